import type { SmtpConnection } from './smtp-connection.js';

/**
 * smtp-server is waiting for the application, not for the client: a command's callback is
 * pending, or the message is in and the data handler has not answered. (smtp-server's own idle
 * timeout uses the same test to hold off while the application works.)
 *
 * Upstream hook that would replace it: a public `busy` flag on the connection.
 */
export function isAnswering(connection: SmtpConnection): boolean {
  const parser = connection._parser;
  return connection._handlerPending || (!!connection._dataStream && !!parser && !parser._dataMode);
}
