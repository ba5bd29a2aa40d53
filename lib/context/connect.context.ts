import { SmtpContext } from './smtp.context.js';

/** `@OnConnect()`: a client opened a connection; the greeting waits for this chain. */
export class ConnectContext<TState extends object = Record<string, unknown>, TUser = unknown> extends SmtpContext<
  TState,
  TUser
> {
  readonly phase = 'connect' as const;
}
