import type { Logger } from '@nestjs/common';
import type { SmtpContext } from '../context/smtp.context.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import type { FumiChain } from '../discovery/fumi-chain.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { isPromiseLike, type MaybePromise } from '../execution/maybe-async.js';
import { MESSAGES, REPLIES } from '../fumi.messages.js';
import { kRuntime, type SessionRuntime } from './fumi-session.js';

/**
 * One run of a phase's chain, which reports its end once: `done()` at once when its handlers
 * returned at once (answered in the same tick, as smtp-server's own callbacks), `done()` or
 * `failed(error)` when its promise settles, or `failed()` with a 451 4.4.2 refusal once it has
 * run longer than `timeout`. One object per run, with a timer only when the chain is
 * asynchronous: this is the hot path of every command.
 */
export abstract class TimedChain {
  private settled = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  /** When the timer was asked for; it is set at the turn's end, for what is left of `timeout`. */
  private timerFrom = 0;

  constructor(
    readonly phase: SmtpPhase,
    readonly ctx: SmtpContext,
    private readonly timeout: number,
    protected readonly logger: Logger,
  ) {}

  protected abstract done(): void;
  protected abstract failed(error: unknown): void;

  /** Runs `chain`; its timer starts at once, or when `timerStart` resolves. */
  start(chain: FumiChain, timerStart?: Promise<void>): void {
    const runtime = this.ctx.session[kRuntime];
    runtime.holds++;
    let outcome: MaybePromise<void>;
    try {
      outcome = chain(this.ctx);
    } catch (error) {
      letGo(runtime);
      return this.failed(error);
    }
    if (!isPromiseLike(outcome)) {
      letGo(runtime);
      return this.done();
    }
    if (timerStart) void timerStart.then(() => this.startTimer());
    else this.startTimer();
    // A chain that settles after the timeout is ignored, its rejection included.
    outcome.then(
      () => this.settle(runtime) && this.done(),
      (error: unknown) => this.settle(runtime) && this.failed(error),
    );
  }

  private startTimer(): void {
    if (this.settled) return;
    this.timerFrom = performance.now();
    armAtTurnEnd(this);
  }

  /** @internal at the end of the turn the chain went asynchronous in: a timer, if it still runs */
  arm(now: number): void {
    if (!this.settled) this.timer = setTimeout(timedOut, Math.max(1, this.timeout - (now - this.timerFrom)), this).unref();
  }

  /** @internal the timer's end */
  timedOut(): void {
    this.settled = true;
    this.logger.warn(MESSAGES.handlerTimedOut(this.phase, this.ctx.session.id, this.timeout));
    this.failed(SmtpException.of(REPLIES.handlerTimeout));
  }

  /** The chain's promise settled: whether its end is still to be reported. */
  private settle(runtime: SessionRuntime): boolean {
    letGo(runtime);
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    return true;
  }
}

/**
 * Chains gone asynchronous in this turn of the event loop. Most settle within the turn (a
 * synchronous handler behind Nest's promises), so their timers are set at its end, by one
 * `setImmediate`, for those still running: no timer to set and clear for every command.
 */
let toArm: TimedChain[] = [];

function armAtTurnEnd(chain: TimedChain): void {
  toArm.push(chain);
  if (toArm.length === 1) setImmediate(armAll);
}

function armAll(): void {
  const chains = toArm;
  toArm = [];
  const now = performance.now();
  for (const chain of chains) chain.arm(now);
}

function timedOut(chain: TimedChain): void {
  chain.timedOut();
}

/**
 * Drops one hold on the connection's DI sub-tree. Once the connection is closed and none of its
 * chains is running any more (one that outlived its timeout included), the session drops the
 * sub-tree's context id, and with it everything Nest built for the connection.
 */
export function letGo(runtime: SessionRuntime): void {
  if (--runtime.holds === 0) runtime.releaseContext?.(runtime);
}
