import type { SMTPServerAuthentication } from 'smtp-server';
import type { FumiSession } from '../server/fumi-session.js';
import { MESSAGES, REPLIES } from '../fumi.messages.js';
import { SmtpContext } from './smtp.context.js';

/** The SASL mechanisms smtp-server decodes for us. */
export type SaslMethod = 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'XOAUTH2' | 'XCLIENT';

/** What the client presented in `AUTH`. */
export interface SmtpCredentials {
  readonly method: SaslMethod;
  readonly username: string;
  /** PLAIN and LOGIN only. */
  readonly password: string | undefined;
  /** XOAUTH2 only: the bearer token. */
  readonly accessToken: string | undefined;
  /**
   * CRAM-MD5: checks the client's response against the user's stored secret.
   * (For PLAIN/LOGIN it compares with `password`.)
   */
  validatePassword(secret: string): boolean;
}

/**
 * `@OnAuth()`: the client sent AUTH. The client is logged in only if a handler calls
 * `ctx.accept(user)`; otherwise it gets 535.
 */
export class AuthContext<TState extends object = Record<string, unknown>, TUser = unknown> extends SmtpContext<
  TState,
  TUser
> {
  readonly phase = 'auth' as const;
  readonly credentials: SmtpCredentials;
  #accepted = false;

  constructor(
    session: FumiSession<TState, TUser>,
    auth: SMTPServerAuthentication,
  ) {
    super(session);
    this.credentials = Object.freeze({
      method: auth.method,
      username: auth.username ?? '',
      password: auth.password ?? undefined,
      accessToken: auth.accessToken,
      validatePassword: (secret: string) =>
        auth.method === 'CRAM-MD5' ? auth.validatePassword(secret) : auth.password === secret,
    });
  }

  /** `true` once a handler has called `accept()`. */
  get accepted(): boolean {
    return this.#accepted;
  }

  /**
   * Logs the client in as `user`; from now on `session.user` is that value in every phase.
   * The reply (235) is sent once the whole chain has finished without rejecting.
   */
  accept(user: TUser): void {
    if (user === undefined || user === null || (user as unknown) === '' || (user as unknown) === false) {
      throw new TypeError(MESSAGES.acceptNeedsUser());
    }
    this.#accepted = true;
    this.session.raw.user = user;
  }

  protected override defaultRejection() {
    return REPLIES.authFailed;
  }
}
