import type { FumiHandlerOptions } from './fumi-handler-options.interface.js';
import { SmtpHandler } from './smtp-handler.decorator.js';

/**
 * Runs when a TLS handshake completes (STARTTLS or implicit TLS); `ctx.tls` tells protocol, cipher and SNI name.
 *
 * @example
 * @OnSecure()
 * checkTls(@Ctx() ctx: SecureContext) {
 *   if (ctx.tls.protocol === 'TLSv1') ctx.reject('TLS 1.2 or newer required', 554);
 * }
 */
export const OnSecure = (options?: FumiHandlerOptions): MethodDecorator => SmtpHandler('secure', options);
