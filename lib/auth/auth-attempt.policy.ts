import type {
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerError,
} from 'smtp-server';
import type { FumiSession } from '../server/fumi-session.js';
import { REPLIES, XOAUTH2_FAILURE } from '../fumi.messages.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import type { AuthFailureLimiter } from './auth-failure.limiter.js';
import { gateAuth, shapeEhloReply, type SmtpConnection } from '../smtp-server/index.js';

/** How smtp-server's `onAuth` callback is answered. */
export type AuthCallback = (error: SMTPServerError | null | undefined, response?: SMTPServerAuthenticationResponse) => void;

/**
 * Who may attempt AUTH, and how a failed attempt is answered: TLS first (unless
 * `allowInsecureAuth`), then the brute-force limits.
 *
 * Both checks run before smtp-server's SASL exchange starts (`gateAuth`), so that a refused
 * client is never prompted for a password in cleartext or allowed another guess.
 */
export class AuthAttemptPolicy {
  constructor(
    private readonly allowInsecureAuth: boolean,
    private readonly limiter: AuthFailureLimiter,
    private readonly toError: (exception: SmtpException) => SMTPServerError,
  ) {}

  /**
   * `530 5.7.0` for AUTH on a cleartext connection, unless `allowInsecureAuth`. XCLIENT's login
   * carries no secret (a trusted proxy names the user), so it is not held to this.
   */
  tlsRefusal(session: FumiSession, method?: SMTPServerAuthentication['method']): SmtpException | undefined {
    if (session.secure || this.allowInsecureAuth || method === 'XCLIENT') return undefined;
    return SmtpException.of(REPLIES.tlsRequired);
  }

  /**
   * Makes every AUTH command of `session`'s connection pass the checks before the exchange, and
   * keeps AUTH out of the EHLO reply while the connection is in cleartext (unless
   * `allowInsecureAuth`).
   * Returns what to run when the connection is gone: an exchange it left unfinished gives its
   * unit of the address budget back.
   */
  guard(connection: SmtpConnection, session: FumiSession): () => void {
    // RFC 4954 §4: a mechanism the server would refuse in cleartext is not offered there.
    if (!this.allowInsecureAuth) {
      shapeEhloReply(connection, (keywords) => (connection.secure ? keywords : keywords.filter((k) => !/^AUTH\b/i.test(k))));
    }
    const answer = (exception: SmtpException) => {
      const error = this.toError(exception);
      connection.send(error.responseCode ?? exception.responseCode, error.message); // a 421 also closes
    };
    gateAuth(
      connection,
      async () => {
        const refusal = await this.admit(session);
        if (refusal) answer(refusal);
        return !refusal;
      },
      () => answer(SmtpException.of(REPLIES.localError)),
    );
    return () => void this.limiter.release(session);
  }

  /** A handler accepted the client: the attempt does not count against its address. */
  accepted(session: FumiSession): void {
    void this.limiter.release(session);
  }

  /**
   * Answers an AUTH no handler accepted: counts it when it is the client's fault (5xx), ends
   * the connection with 421 when it has used up its attempts, and refuses XOAUTH2 credentials
   * the way RFC 7628 says (a 334 challenge with an error JSON, then smtp-server's 535).
   */
  async refuse(session: FumiSession, auth: SMTPServerAuthentication, refusal: SMTPServerError, cb: AuthCallback): Promise<void> {
    const code = refusal.responseCode ?? REPLIES.authFailed.code;
    // XCLIENT is a trusted proxy naming a user, not a guess; a 4xx is not the client's fault.
    if (auth.method === 'XCLIENT' || code < 500) await this.limiter.release(session);
    if (auth.method === 'XCLIENT') return cb(refusal);
    const limit = code >= 500 ? await this.limiter.recordFailure(session) : undefined;
    if (limit) return cb(this.toError(limit));
    if (auth.method === 'XOAUTH2' && code === REPLIES.authFailed.code) return cb(null, { data: { ...XOAUTH2_FAILURE } });
    cb(refusal);
  }

  private async admit(session: FumiSession): Promise<SmtpException | undefined> {
    return this.tlsRefusal(session) ?? (await this.limiter.admit(session));
  }
}

