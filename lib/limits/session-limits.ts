import { REPLIES, type CannedReply, type SendReply } from '../fumi.messages.js';
import { interceptCommands, isAnswering, observeReplies, type SmtpConnection } from '../smtp-server/index.js';

/** The caps `SessionLimits` enforces; `false` is no cap. */
export interface SessionLimitValues {
  readonly maxSessionDuration: number | false;
  readonly maxMessages: number | false;
  readonly maxJunkCommands: number | false;
  readonly maxHardErrors: number | false;
}

/** How often a session past its deadline is checked while a handler is still answering it. */
const ANSWER_POLL_MS = 25;

/** Verbs that move mail; every other command is junk (NOOP, RSET, VRFY, HELP, unknown ones). */
const MAIL_VERBS = new Set(['MAIL', 'RCPT', 'DATA', 'BDAT', 'AUTH', 'STARTTLS', 'QUIT', 'XCLIENT', 'XFORWARD']);
const GREETINGS = new Set(['HELO', 'EHLO', 'LHLO']);
/** A greeting before and one after STARTTLS; more are junk. */
const FREE_GREETINGS = 2;
const GO_AHEAD = 354;
const ACCEPTED = 250;

/**
 * Caps on one connection that a legitimate relay never meets: its length
 * (`maxSessionDuration`), the messages it starts (`maxMessages`), the commands that move no mail
 * (`maxJunkCommands`) and the refusals it collects (`maxHardErrors`). smtp-server resets its idle
 * timeout on every byte and counts nothing, so a client trickling bytes, flooding NOOPs or
 * harvesting addresses would otherwise keep its connection, and its `maxClients` slot, for ever.
 */
export class SessionLimits {
  constructor(
    private readonly limits: SessionLimitValues,
    /** Answers with a 421, which makes smtp-server close the connection. */
    private readonly close: SendReply<SmtpConnection>,
  ) {}

  /** Connection hook; what it returns clears the deadline when the connection is gone. */
  readonly guard = (connection: SmtpConnection): (() => void) | undefined => {
    const { maxMessages, maxJunkCommands, maxHardErrors, maxSessionDuration } = this.limits;
    if (maxMessages !== false || maxJunkCommands !== false) this.countCommands(connection);
    if (maxHardErrors !== false) this.countErrors(connection, maxHardErrors);
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

  private countCommands(connection: SmtpConnection): void {
    const maxMessages = this.limits.maxMessages || Infinity;
    const maxJunk = this.limits.maxJunkCommands || Infinity;
    let messages = 0;
    let junk = 0;
    let greetings = 0;
    interceptCommands(connection, (verb) => {
      let refusal: CannedReply | undefined;
      if (verb === 'MAIL') {
        junk = 0;
        if (++messages > maxMessages) refusal = REPLIES.tooManyMessages;
      } else if (!MAIL_VERBS.has(verb) && (!GREETINGS.has(verb) || ++greetings > FREE_GREETINGS)) {
        if (++junk > maxJunk) refusal = REPLIES.tooManyJunkCommands;
      }
      if (!refusal) return true;
      this.close(connection, refusal);
      return false;
    });
  }

  private countErrors(connection: SmtpConnection, max: number): void {
    let errors = 0;
    let awaitingMessage = false;
    observeReplies(connection, (code) => {
      if (awaitingMessage && code !== GO_AHEAD) {
        awaitingMessage = false;
        if (code === ACCEPTED) errors = 0;
      }
      if (code === GO_AHEAD) awaitingMessage = true;
      else if (code >= 500 && ++errors === max) this.close(connection, REPLIES.tooManyErrors);
    });
  }
}
