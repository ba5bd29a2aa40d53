import { createHook } from 'node:async_hooks';

/** A timer still armed, and holding the process open, when the watch stopped. */
export interface LiveTimer {
  /** Where it was created: the top frames of its creation stack. */
  readonly createdAt: string;
}

export interface TimerWatch {
  /** Stops watching; the timers created meanwhile that are still armed and referenced. */
  stop(): LiveTimer[];
}

/**
 * Jest runs in the same process (`--runInBand`) and arms timers of its own while a long test
 * file runs (the reporter's status line, for one). A count of the process's `Timeout`s then
 * moves for reasons that are not ours, so leaks are judged on the timers created while the
 * watch was on, each with where it came from, leaving out the test runner's.
 */
const RUNNER_FRAME = /node_modules[\\/](@jest[\\/]|jest-)/;
const FRAMES_SHOWN = 6;
/** Frames of the hook and of Node's timer internals, above the caller's. */
const OWN_FRAME = /live-timers|node:internal|node:timers/;
/** Enough frames to get past the hook and Node's internals to whoever made the timer. */
const FRAMES_CAPTURED = 24;

function creationStack(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES_CAPTURED;
  const origin = new Error('timer created');
  Error.stackTraceLimit = limit;
  return origin;
}

/** Starts recording every timer created from now on until it fires or is cleared. */
export function watchTimers(): TimerWatch {
  const armed = new Map<number, { timer: NodeJS.Timeout; origin: Error }>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      // The stack is captured now and only formatted for the few timers that are reported.
      if (type === 'Timeout') armed.set(asyncId, { timer: resource as NodeJS.Timeout, origin: creationStack() });
    },
    destroy(asyncId) {
      armed.delete(asyncId);
    },
  }).enable();
  return {
    stop() {
      hook.disable();
      const live: LiveTimer[] = [];
      for (const { timer, origin } of armed.values()) {
        if (!timer.hasRef()) continue;
        const frames = (origin.stack ?? '').split('\n').slice(1).filter((frame) => !OWN_FRAME.test(frame));
        if (frames.some((frame) => RUNNER_FRAME.test(frame))) continue;
        live.push({ createdAt: frames.slice(0, FRAMES_SHOWN).map((frame) => frame.trim()).join(' < ') });
      }
      return live;
    },
  };
}
