import type { SmtpConnection } from './smtp-connection.js';

/** Called with each reply code, once the reply is written. */
export type ReplyObserver = (code: number) => void;

/**
 * Tells `observe` the code of every reply the connection sends, whoever sends it (smtp-server's
 * own refusals included), by wrapping the connection's `send()`.
 *
 * Upstream hook that would replace it: a server event for each reply.
 */
export function observeReplies(connection: SmtpConnection, observe: ReplyObserver): void {
  const send = connection.send;
  connection.send = function (this: SmtpConnection, code, data, context) {
    send.call(this, code, data, context);
    observe(code);
  };
}
