import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { toSmtpReply } from '../execution/smtp-reply.mapper.js';
import { ClientDisconnectedException } from './client-disconnected.exception.js';

/**
 * The default mapping from errors to SMTP replies, as a filter to extend: override `catch`,
 * handle what you want, and call `super.catch()` for the rest. Whatever a filter throws (an
 * `SmtpException` above all) is the reply; what it returns is ignored.
 *
 * @example
 * \@Catch()
 * export class TempFailFilter extends BaseFumiExceptionFilter {
 *   override catch(exception: unknown, host: ArgumentsHost): never {
 *     if (exception instanceof DatabaseDownError) throw new SmtpException('Try later', 451, '4.3.0');
 *     return super.catch(exception, host);
 *   }
 * }
 */
export class BaseFumiExceptionFilter<T = unknown> implements ExceptionFilter<T> {
  catch(exception: T, _host: ArgumentsHost): never {
    // no reply is owed to a client that has gone: the server logs it as such
    if (exception instanceof ClientDisconnectedException) throw exception;
    throw toSmtpReply(exception).exception;
  }
}
