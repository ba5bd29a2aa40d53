import type { SMTPServerError } from 'smtp-server';
import type { SmtpContext } from '../context/smtp.context.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import { ClientDisconnectedException } from '../exceptions/client-disconnected.exception.js';
import { toSmtpReply } from '../execution/smtp-reply.mapper.js';
import { MESSAGES } from '../fumi.messages.js';
import { kRuntime } from './fumi-session.js';
import type { PhaseRunnerDeps } from './phase-runner.js';
import { TimedChain } from './timed-chain.js';

type Callback = (error?: SMTPServerError | null) => void;

/**
 * A phase's chain whose end is smtp-server's callback, called exactly once: success, the
 * chain's refusal, or 451 when it fails unexpectedly or outlives the handler timeout.
 */
export class PhaseReply extends TimedChain {
  constructor(
    phase: SmtpPhase,
    ctx: SmtpContext,
    private readonly deps: PhaseRunnerDeps,
    private readonly cb: Callback,
    /** When the phase began, for the session events; 0 when nobody listens. */
    private readonly started: number,
  ) {
    super(phase, ctx, deps.options.handlerTimeout[phase], deps.logger);
    ctx.session[kRuntime].busy = true;
  }

  protected done(): void {
    this.ctx.session[kRuntime].busy = false;
    if (this.started) this.deps.events.report(this.ctx, this.started);
    this.cb();
  }

  protected failed(error: unknown): void {
    const { ctx, started } = this;
    const { events, logger, toError } = this.deps;
    ctx.session[kRuntime].busy = false;
    const { exception, unexpected } = toSmtpReply(error);
    if (error instanceof ClientDisconnectedException) logger.warn(MESSAGES.clientLeftMidData(ctx.session.id, ctx.session.remoteAddress));
    else if (unexpected) logger.warn(MESSAGES.handlerFailed(this.phase, ctx.session.id, error));
    if (started) events.report(ctx, started, exception);
    this.cb(toError(exception));
  }
}

/** The close phase's chain: nobody is left to answer, so a failure is only logged. */
export class ClosePhase extends TimedChain {
  protected done(): void {}

  protected failed(error: unknown): void {
    this.logger.error(MESSAGES.closeHandlerFailed(this.ctx.session.id, error));
  }
}
