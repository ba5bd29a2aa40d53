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

/**
 * The connection is in a message: from DATA's 354 until the message is answered, the client
 * sending it or waiting for its reply (smtp-server's `_dataStream` is set for that time).
 *
 * Upstream hook that would replace it: a public transaction state on the connection.
 */
export function isInMessage(connection: SmtpConnection): boolean {
  return !!connection._dataStream;
}
