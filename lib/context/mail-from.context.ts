import type { FumiSession } from '../server/fumi-session.js';
import type { SmtpAddress } from './smtp-address.interface.js';
import { SmtpContext } from './smtp.context.js';

/** `@OnMailFrom()`: the client started a transaction. `session.envelope.mailFrom` is already `address`. */
export class MailFromContext<TState extends object = Record<string, unknown>, TUser = unknown> extends SmtpContext<
  TState,
  TUser
> {
  readonly phase = 'mailFrom' as const;

  constructor(
    session: FumiSession<TState, TUser>,
    /** The sender with its parameters (`SIZE`, `BODY`, `SMTPUTF8`, DSN `RET`/`ENVID`). */
    readonly address: SmtpAddress,
  ) {
    super(session);
  }
}
