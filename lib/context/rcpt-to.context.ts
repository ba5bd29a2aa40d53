import type { FumiSession } from '../server/fumi-session.js';
import type { SmtpAddress } from './smtp-address.interface.js';
import { SmtpContext } from './smtp.context.js';

/**
 * `@OnRcptTo()`: the client named a recipient. Once the chain accepts it, it is appended to
 * `session.envelope.rcptTo`; refusing it leaves the transaction's other recipients alone.
 */
export class RcptToContext<TState extends object = Record<string, unknown>, TUser = unknown> extends SmtpContext<
  TState,
  TUser
> {
  readonly phase = 'rcptTo' as const;

  constructor(
    session: FumiSession<TState, TUser>,
    /** The recipient being checked, with its parameters (DSN `NOTIFY`/`ORCPT`). */
    readonly address: SmtpAddress,
  ) {
    super(session);
  }
}
