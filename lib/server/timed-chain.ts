import type { Logger } from '@nestjs/common';
import type { SmtpContext } from '../context/smtp.context.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import type { FumiChain } from '../discovery/fumi-chain.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { isPromiseLike, type MaybePromise } from '../execution/maybe-async.js';
import { MESSAGES, REPLIES } from '../fumi.messages.js';
import { kRuntime, type SessionRuntime } from './fumi-session.js';

/** A chain to run, and how long it may take once its timer starts. */
export interface TimedChain {
  readonly phase: SmtpPhase;
  readonly ctx: SmtpContext;
  readonly chain: FumiChain;
  readonly timeout: number;
  readonly logger: Logger;
}

/**
 * Runs a phase's chain and reports its end once: `done()` at once when its handlers returned
 * at once (answered in the same tick, as smtp-server's own callbacks), `done()` or
 * `failed(error)` when its promise settles, or `failed()` with a 451 4.4.2 refusal once it has
 * run longer than allowed. One timer per asynchronous chain and no promise of its own, as the
 * hot path of every command. The timer starts at once, or when `timerStart` resolves.
 */
export function startTimedChain(
  { phase, ctx, chain, timeout, logger }: TimedChain,
  done: () => void,
  failed: (error: unknown) => void,
  timerStart?: Promise<void>,
): void {
  const runtime = ctx.session[kRuntime];
  runtime.holds++;
  let outcome: MaybePromise<void>;
  try {
    outcome = chain(ctx);
  } catch (error) {
    letGo(runtime);
    return failed(error);
  }
  if (!isPromiseLike(outcome)) {
    letGo(runtime);
    return done();
  }
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const startTimer = () => {
    if (settled) return;
    timer = setTimeout(() => {
      settled = true;
      logger.warn(MESSAGES.handlerTimedOut(phase, ctx.session.id, timeout));
      failed(SmtpException.of(REPLIES.handlerTimeout));
    }, timeout);
    timer.unref();
  };
  if (timerStart) void timerStart.then(startTimer);
  else startTimer();
  // A chain that settles after the timeout is ignored, its rejection included.
  outcome.then(
    () => {
      letGo(runtime);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done();
    },
    (error: unknown) => {
      letGo(runtime);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      failed(error);
    },
  );
}

/**
 * Drops one hold on the connection's DI sub-tree. Once the connection is closed and none of its
 * chains is running any more (one that outlived its timeout included), the session drops the
 * sub-tree's context id, and with it everything Nest built for the connection.
 */
export function letGo(runtime: SessionRuntime): void {
  if (--runtime.holds === 0) runtime.releaseContext?.(runtime);
}
