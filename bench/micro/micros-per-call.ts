import { performance } from 'node:perf_hooks';
import { isPromiseLike, type MaybePromise } from '../../lib/execution/maybe-async.js';
import { median } from '../harness/median.js';

/**
 * Microseconds per call of an asynchronous operation run back to back: the median of `rounds`
 * rounds of `iterations` calls, after a warm-up round so that the JIT has settled.
 */
export async function microsPerCall(call: () => MaybePromise<void>, iterations: number, rounds: number): Promise<number> {
  // a call that finished at once is not awaited: that turn would be the measurement's, not the call's
  for (let i = 0; i < iterations; i++) {
    const pending = call();
    if (isPromiseLike(pending)) await pending;
  }
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) {
      const pending = call();
      if (isPromiseLike(pending)) await pending;
    }
    results.push(((performance.now() - started) * 1000) / iterations);
  }
  return median(results);
}
