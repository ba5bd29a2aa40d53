import type { NextFunction, SmtpContext } from '../context/smtp.context.js';
import type { MaybePromise } from '../execution/maybe-async.js';
import type { FumiHandlerMetadata } from '../decorators/fumi-handler-options.interface.js';

/** A discovered handler, bound to its instance and wrapped in its guards, interceptors, pipes and filters. */
export interface FumiHandler extends FumiHandlerMetadata {
  /** `ClassName.method`, for messages. */
  readonly name: string;
  /** The handler takes `next` itself; otherwise the chain goes on when it returns. */
  readonly declaresNext: boolean;
  invoke(ctx: SmtpContext, next: NextFunction): MaybePromise<unknown>;
}
