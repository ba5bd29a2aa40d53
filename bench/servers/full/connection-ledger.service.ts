import { Injectable, Scope } from '@nestjs/common';
import { type FumiSession, InjectSmtpSession, type SmtpPhase } from '../../../lib/index.js';

/**
 * Request-scoped: one instance per SMTP connection, shared by all its phases. Injecting it makes
 * every handler class of the full variant request-scoped too, as an app keeping per-connection
 * state in DI would be.
 */
@Injectable({ scope: Scope.REQUEST })
export class ConnectionLedger {
  private phases = 0;
  private slowestPhaseMs = 0;

  constructor(@InjectSmtpSession() readonly session: FumiSession) {}

  record(_phase: SmtpPhase, elapsedMs = 0): void {
    this.phases++;
    if (elapsedMs > this.slowestPhaseMs) this.slowestPhaseMs = elapsedMs;
  }
}
