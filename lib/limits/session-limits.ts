import type { SMTPServerError } from 'smtp-server';
import { REPLIES } from '../fumi.messages.js';
import { interceptCommands, isAnswering, type SmtpConnection } from '../smtp-server/index.js';
import { SmtpException } from '../smtp.exception.js';

/** The caps `SessionLimits` enforces; `false` is no cap. */
export interface SessionLimitValues {
  readonly maxSessionDuration: number | false;
  readonly maxCommands: number | false;
}

/** How often a session past its deadline is checked while a handler is still answering it. */
const ANSWER_POLL_MS = 25;

/**
 * Caps on one connection (`maxSessionDuration`, `maxCommands`): smtp-server resets its idle
 * timeout on every byte and counts nothing, so a client trickling bytes or sending a NOOP every
 * minute would otherwise keep its connection, and its `maxClients` slot, for ever.
 * Commands are counted as smtp-server's parser hands them over (`interceptCommands`).
 */
export class SessionLimits {
  constructor(
    private readonly limits: SessionLimitValues,
    private readonly toError: (exception: SmtpException) => SMTPServerError,
  ) {}

  /** Connection hook; what it returns clears the deadline when the connection is gone. */
  readonly guard = (connection: SmtpConnection): (() => void) | undefined => {
    const { maxCommands, maxSessionDuration } = this.limits;
    if (maxCommands !== false) this.countCommands(connection, maxCommands);
    if (maxSessionDuration === false) return undefined;
    let deadline: NodeJS.Timeout;
    const expire = () => {
      // A handler deciding on a complete command (a message being stored, say) gets to answer
      // first: cutting it now would leave a stored message unacknowledged, to be sent again.
      if (isAnswering(connection)) {
        deadline = setTimeout(expire, ANSWER_POLL_MS).unref();
        return;
      }
      this.close(connection, REPLIES.sessionTooLong);
    };
    deadline = setTimeout(expire, maxSessionDuration).unref();
    return () => clearTimeout(deadline);
  };

  private countCommands(connection: SmtpConnection, max: number): void {
    let commands = 0;
    interceptCommands(connection, (_line, run, drop) => {
      if (++commands <= max) return run();
      this.close(connection, REPLIES.tooManyCommands);
      // Closed now: resuming the parser lets it drop whatever was pipelined behind.
      drop();
    });
  }

  /** A 421 reply, which makes smtp-server close the connection. */
  private close(connection: SmtpConnection, reply: { code: number; enhanced: string; text: string }): void {
    const error = this.toError(SmtpException.of(reply));
    connection.send(reply.code, error.message);
  }
}
