import type { FumiHandlerOptions } from './fumi-handler-options.interface.js';
import { SmtpHandler } from './smtp-handler.decorator.js';

/**
 * Runs when the message arrives; `ctx.stream` is its body. The client gets 250 only after the whole chain has finished.
 *
 * @example
 * @OnData()
 * async store(@Ctx() ctx: DataContext) {
 *   await pipeline(ctx.stream, createWriteStream(path));
 * }
 */
export const OnData = (options?: FumiHandlerOptions): MethodDecorator => SmtpHandler('data', options);
