import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { FumiExecutionContext } from '../../execution/fumi-arguments-host.js';
import { mailAuthResultsOf } from '../results/mail-auth-results.of.js';

/**
 * The session's `MailAuthResults`: DNSBL from connect, SPF from MAIL FROM, DKIM/ARC/DMARC in
 * `@OnData()` handlers (complete before any of them runs).
 *
 * @example
 * @OnData()
 * async store(@Ctx() ctx: DataContext, @AuthResults() auth: MailAuthResults) {
 *   await save(auth.header + ctx.receivedHeader(), ctx.stream);
 * }
 */
export const AuthResults = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  mailAuthResultsOf(FumiExecutionContext.create(context).getContext()),
);
