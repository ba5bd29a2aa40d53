import type { FumiHandlerOptions } from './fumi-handler-options.interface.js';
import { SmtpHandler } from './smtp-handler.decorator.js';

/**
 * Runs on AUTH. The client is logged in only if a handler calls `ctx.accept(user)`; otherwise 535.
 *
 * @example
 * @OnAuth()
 * async login(@Ctx() ctx: AuthContext) {
 *   const user = await this.users.verify(ctx.credentials.username, ctx.credentials.password);
 *   if (!user) ctx.reject('Invalid credentials', 535);
 *   ctx.accept(user);
 * }
 */
export const OnAuth = (options?: FumiHandlerOptions): MethodDecorator => SmtpHandler('auth', options);
