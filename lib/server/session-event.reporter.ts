import { DataContext } from '../context/data.context.js';
import { MailFromContext } from '../context/mail-from.context.js';
import { RcptToContext } from '../context/rcpt-to.context.js';
import type { SmtpContext } from '../context/smtp.context.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import type { SmtpException } from '../exceptions/smtp.exception.js';
import type { FumiEvents } from './fumi-events.js';
import type { FumiSession } from './fumi-session.js';

/** How a phase ended, as far as its event tells. */
export interface PhaseOutcome {
  readonly refusal?: SmtpException;
  readonly address?: string;
  readonly size?: number;
  readonly tooLarge?: boolean;
}

/** The reply a phase gets when its chain accepts. */
const SUCCESS_CODES: Record<SmtpPhase, number | undefined> = {
  connect: 220,
  secure: 220,
  auth: 235,
  mailFrom: 250,
  rcptTo: 250,
  data: 250,
  close: undefined,
};

/** Tells one server's `FumiEvents` subscribers how each phase ended. */
export class SessionEventReporter {
  constructor(
    private readonly server: string,
    private readonly events: FumiEvents,
  ) {}

  /** Someone listens: without, callers skip timing phases at all. */
  get observed(): boolean {
    return this.events.observed;
  }

  /** A phase ended with its context as it is now (and `refusal` when it was refused). */
  report(ctx: SmtpContext, started: number, refusal?: SmtpException): void {
    const data = ctx instanceof DataContext;
    this.emit(ctx.phase, ctx.session, started, {
      refusal,
      address: ctx instanceof MailFromContext || ctx instanceof RcptToContext ? ctx.address.address : undefined,
      size: data ? ctx.byteLength : undefined,
      tooLarge: data && ctx.sizeExceeded,
    });
  }

  emit(phase: SmtpPhase, session: FumiSession, started: number, outcome: PhaseOutcome): void {
    const { refusal, address, size, tooLarge } = outcome;
    this.events.emit({
      server: this.server,
      sessionId: session.id,
      phase,
      time: Date.now(),
      remoteAddress: session.remoteAddress,
      ...(session.clientHostname ? { clientHostname: session.clientHostname } : {}),
      ...(session.user !== undefined ? { user: describeUser(session.user) } : {}),
      ...(address !== undefined ? { address } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(session.tls ? { tls: session.tls.version } : {}),
      ...(phase === 'close' ? {} : { code: refusal?.responseCode ?? (tooLarge ? 552 : SUCCESS_CODES[phase]) }),
      ...(refusal ? { message: refusal.message } : {}),
      ok: !refusal && !tooLarge,
      durationMs: performance.now() - started,
    });
  }
}

/** A user as a short string for events: objects by their usual identifying field. */
function describeUser(user: unknown): string {
  if (typeof user === 'object' && user !== null) {
    const { id, username, name } = user as Record<string, unknown>;
    return String(id ?? username ?? name ?? '[user]');
  }
  return String(user);
}
