import type { FumiHandlerOptions } from './fumi-handler-options.interface.js';
import { SmtpHandler } from './smtp-handler.decorator.js';

/**
 * Runs on MAIL FROM; `ctx.address` is the sender. Refuse with `ctx.reject()` (550 by default).
 *
 * @example
 * @OnMailFrom()
 * checkSender(@Ctx() ctx: MailFromContext) {
 *   if (ctx.address.address.endsWith('@spam.example')) ctx.reject('Sender blocked', 550, '5.7.1');
 * }
 */
export const OnMailFrom = (options?: FumiHandlerOptions): MethodDecorator => SmtpHandler('mailFrom', options);
