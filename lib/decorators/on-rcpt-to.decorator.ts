import type { FumiHandlerOptions } from './fumi-handler-options.interface.js';
import { SmtpHandler } from './smtp-handler.decorator.js';

/**
 * Runs on each RCPT TO; `ctx.address` is the recipient. A refused recipient leaves the others alone.
 *
 * @example
 * @OnRcptTo({ server: 'mx' })
 * checkRecipient(@Ctx() ctx: RcptToContext) {
 *   if (!this.domains.has(ctx.address.address.split('@')[1])) ctx.reject('Relay denied', 550, '5.7.1');
 * }
 */
export const OnRcptTo = (options?: FumiHandlerOptions): MethodDecorator => SmtpHandler('rcptTo', options);
