import { SmtpContext } from './smtp.context.js';

/** `@OnClose()`: the connection is gone. Nothing can be replied; errors are only logged. */
export class CloseContext<TState extends object = Record<string, unknown>, TUser = unknown> extends SmtpContext<
  TState,
  TUser
> {
  readonly phase = 'close' as const;
}
