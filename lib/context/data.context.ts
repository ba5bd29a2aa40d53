import type { SMTPServerDataStream } from 'smtp-server';
import type { FumiSession } from '../fumi-session.js';
import { SmtpContext } from './smtp.context.js';

/**
 * `@OnData()`: the message is arriving. `stream` gives it as it comes, dot-unstuffed, without
 * the final dot. The client gets 250 only after the whole chain has finished; whatever the chain
 * leaves unread is drained.
 */
export class DataContext<TState extends object = Record<string, unknown>, TUser = unknown> extends SmtpContext<
  TState,
  TUser
> {
  readonly phase = 'data' as const;

  constructor(
    session: FumiSession<TState, TUser>,
    /** The message body. Read it once; it is not buffered by the module. */
    readonly stream: SMTPServerDataStream,
  ) {
    super(session);
  }

  /** `true` once the message went over the `size` option: it will be refused with 552. */
  get sizeExceeded(): boolean {
    return this.stream.sizeExceeded;
  }

  /** Bytes received so far. */
  get byteLength(): number {
    return this.stream.byteLength;
  }
}
