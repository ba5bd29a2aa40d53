import { IntrinsicException } from '@nestjs/common';

/**
 * The client went away in the middle of the message: no reply is owed, and no 250 was sent.
 * Nest's default filters leave it unlogged (an intrinsic exception); the server logs it at WARN
 * with the session id. `code` stays smtp-server's `ECONNECTION`.
 */
export class ClientDisconnectedException extends IntrinsicException {
  override readonly name = 'ClientDisconnectedException';
  readonly code = 'ECONNECTION';

  constructor(message = 'Connection closed before the message was received in full') {
    super(message);
  }

  /** @internal smtp-server's error for a client gone mid-DATA, as this exception; any other error as it is. */
  static from(error: Error): Error {
    return (error as NodeJS.ErrnoException).code === 'ECONNECTION' && !(error instanceof ClientDisconnectedException)
      ? new ClientDisconnectedException(error.message)
      : error;
  }
}
