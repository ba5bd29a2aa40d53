import type { SMTPServerDataStream, SMTPServerError, SMTPServerSession } from 'smtp-server';
import { REPLIES } from '../fumi.messages.js';
import type { BareLineFeeds } from '../options/fumi-hardening-options.interface.js';
import { refuseBareLineFeedCommands, type SmtpConnection } from '../smtp-server/index.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { MessageLineEndings } from './message-line-endings.js';

/**
 * The server's `bareLineFeeds` policy, for commands (a connection hook) and for message content
 * (between smtp-server's DATA stream and the spool). Under `'reject'` a refusal is
 * `550 5.5.2` followed by the end of the connection, as Postfix's
 * `smtpd_forbid_bare_newline = reject` does.
 */
export class LineEndingPolicy {
  private readonly connections = new WeakMap<SMTPServerSession, SmtpConnection>();

  constructor(
    readonly policy: BareLineFeeds,
    private readonly toError: (exception: SmtpException) => SMTPServerError,
  ) {}

  /** Connection hook: under `'reject'`, a command line ending in a bare LF is refused before it runs. */
  readonly guard = (connection: SmtpConnection): (() => void) | undefined => {
    if (this.policy !== 'reject') return;
    this.connections.set(connection.session, connection);
    refuseBareLineFeedCommands(connection, () => this.refuse(connection));
    // The entry's value holds its key: left to the WeakMap, a closed connection would outlive
    // every young-generation collection.
    return () => this.connections.delete(connection.session);
  };

  /** The content of a message being received; received bytes past `maxBytes` (the server's `size`) are not kept. */
  message(stream: SMTPServerDataStream, maxBytes: number): MessageLineEndings {
    return new MessageLineEndings(stream, this.policy, maxBytes);
  }

  /** Refuses the message just received on `session` (through smtp-server's `cb`) and ends its connection. */
  refuseMessage(session: SMTPServerSession, cb: (error: SMTPServerError) => void): void {
    cb(this.toError(this.refusal()));
    // The message stream has ended, so smtp-server has written the reply by now.
    this.connections.get(session)?.close();
  }

  private refuse(connection: SmtpConnection): void {
    const error = this.toError(this.refusal());
    connection.send(error.responseCode ?? REPLIES.bareLineFeed.code, error.message);
    connection.close();
  }

  private refusal(): SmtpException {
    return SmtpException.of(REPLIES.bareLineFeed);
  }
}
