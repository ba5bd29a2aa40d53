import { Inject } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';

/**
 * Injects the current `FumiSession` into a request-scoped provider: one instance per SMTP
 * connection, shared by all its phases.
 *
 * @example
 * \@Injectable({ scope: Scope.REQUEST })
 * export class Transaction {
 *   constructor(@InjectSmtpSession() readonly session: FumiSession) {}
 * }
 */
export const InjectSmtpSession = (): PropertyDecorator & ParameterDecorator => Inject(REQUEST);
