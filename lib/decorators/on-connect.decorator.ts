import type { FumiHandlerOptions } from './fumi-handler-options.interface.js';
import { SmtpHandler } from './smtp-handler.decorator.js';

/**
 * Runs when a client connects, before the greeting. Rejecting closes the connection (554 by default for guards).
 *
 * @example
 * @OnConnect()
 * screen(@Ctx() ctx: ConnectContext) {
 *   if (this.denylist.has(ctx.session.remoteAddress)) ctx.reject('Go away', 554);
 * }
 */
export const OnConnect = (options?: FumiHandlerOptions): MethodDecorator => SmtpHandler('connect', options);
