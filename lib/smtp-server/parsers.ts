import type { SmtpConnection } from './smtp-connection.js';

/** smtp-server's command parser (an `SMTPStream`, one per connection, a new one after STARTTLS). */
export type SmtpParser = Exclude<SmtpConnection['_parser'], false>;

/**
 * Runs `watch` on the connection's parser and on each one it creates later: smtp-server makes a
 * new parser for the TLS session after STARTTLS, through the connection's `_createParser()`.
 *
 * Upstream hook that would replace it: a parser (or line) event on the connection.
 */
export function onEachParser(connection: SmtpConnection, watch: (parser: SmtpParser) => void): void {
  if (connection._parser) watch(connection._parser);
  const createParser = connection._createParser;
  connection._createParser = function (this: SmtpConnection) {
    const parser = createParser.call(this);
    watch(parser);
    return parser;
  };
}
