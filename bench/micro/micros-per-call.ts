import { performance } from 'node:perf_hooks';
import { median } from '../harness/median.js';

/**
 * Microseconds per call of an asynchronous operation run back to back: the median of `rounds`
 * rounds of `iterations` calls, after a warm-up round so that the JIT has settled.
 */
export async function microsPerCall(call: () => Promise<void>, iterations: number, rounds: number): Promise<number> {
  for (let i = 0; i < iterations; i++) await call();
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) await call();
    results.push(((performance.now() - started) * 1000) / iterations);
  }
  return median(results);
}
