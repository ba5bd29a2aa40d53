import type { FumiHandlerOptions } from './fumi-handler-options.interface.js';
import { SmtpHandler } from './smtp-handler.decorator.js';

/**
 * Runs after the connection closed. Nothing can be replied; errors are logged.
 *
 * @example
 * @OnClose()
 * forget(@SmtpSession('id') id: string) {
 *   this.sessions.delete(id);
 * }
 */
export const OnClose = (options?: FumiHandlerOptions): MethodDecorator => SmtpHandler('close', options);
