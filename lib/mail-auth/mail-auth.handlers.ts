import { Inject, Injectable, type Type } from '@nestjs/common';
import type { ConnectContext } from '../context/connect.context.js';
import type { DataContext } from '../context/data.context.js';
import type { MailFromContext } from '../context/mail-from.context.js';
import type { RcptToContext } from '../context/rcpt-to.context.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import { Ctx } from '../decorators/params.decorator.js';
import { SmtpHandler } from '../decorators/smtp-handler.decorator.js';
import { MailAuthService } from './mail-auth.service.js';

/** The phases checked, each by the method of the same name. */
const PHASES = ['connect', 'mailFrom', 'rcptTo', 'data'] as const satisfies readonly SmtpPhase[];

/**
 * The checks as handlers of one server's chains. The class is made per `forRoot()` because the
 * server and priority are decorator metadata, which lives on each method's own function.
 */
export function mailAuthHandlersFor(server: string | undefined, priority: number, greylistPriority: number): Type {
  @Injectable()
  class MailAuthHandlers {
    constructor(@Inject(MailAuthService) private readonly auth: MailAuthService) {}

    connect(ctx: ConnectContext): Promise<void> {
      return this.auth.onConnect(ctx);
    }

    mailFrom(ctx: MailFromContext): Promise<void> {
      return this.auth.onMailFrom(ctx);
    }

    rcptTo(ctx: RcptToContext): Promise<void> {
      return this.auth.onRcptTo(ctx);
    }

    data(ctx: DataContext): Promise<void> {
      return this.auth.onData(ctx);
    }
  }
  const prototype = MailAuthHandlers.prototype as unknown as Record<string, unknown>;
  for (const phase of PHASES) {
    Ctx()(prototype, phase, 0);
    const at = phase === 'rcptTo' ? greylistPriority : priority;
    SmtpHandler(phase, { server, priority: at })(prototype, phase, Object.getOwnPropertyDescriptor(prototype, phase)!);
  }
  return MailAuthHandlers;
}
