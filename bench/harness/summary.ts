import { median } from './median.js';
import type { RatioRange } from './ratio-range.js';
import type { RunSample } from './run-sample.js';
import type { ThreadCpu } from '../servers/thread-cpu.js';

/**
 * The median of every figure of one workload × variant over its runs, except `errors`: summed
 * over all runs (any at all makes the figures suspect).
 */
export interface Summary extends RunSample {
  readonly runs: number;
  /** Server CPU per message (or per connection for the idle workload), microseconds. */
  readonly cpuMicrosPerUnit: number;
  /** The same by kind of thread, each the median over the runs, so they need not add up to the total (Linux only). */
  readonly cpuMicrosByThread?: ThreadCpu;
  /** The largest RSS growth of any run: what a memory target has to hold for. */
  readonly rssGrowthMaxMb: number;
  /** Per-round rate over raw smtp-server's, lowest and highest (not for raw itself). */
  readonly ratioRange?: RatioRange;
  /** Per-round server CPU per message over raw smtp-server's, lowest and highest. */
  readonly cpuRatioRange?: RatioRange;
}

export function summarize(samples: readonly RunSample[], units: number): Summary {
  const first = samples[0];
  if (!first) throw new Error('no samples to summarize');
  const of = (pick: (sample: RunSample) => number) => median(samples.map(pick));
  const perConnection = samples.flatMap((s) => (s.kbPerConnection === undefined ? [] : [s.kbPerConnection]));
  const firstError = samples.find((s) => s.firstError)?.firstError;
  const cpuSeconds = of((s) => s.cpuSeconds);
  const byThread = samples.every((s) => s.cpuByThread) ? samples.map((s) => s.cpuByThread!) : undefined;
  const perUnit = (seconds: number) => (units > 0 ? (seconds / units) * 1e6 : Number.NaN);
  return {
    workload: first.workload,
    variant: first.variant,
    runs: samples.length,
    throughput: of((s) => s.throughput),
    p50Ms: of((s) => s.p50Ms),
    p99Ms: of((s) => s.p99Ms),
    cpuSeconds,
    cpuMicrosPerUnit: perUnit(cpuSeconds),
    ...(byThread
      ? {
          cpuMicrosByThread: {
            main: perUnit(median(byThread.map((t) => t.main))),
            v8Workers: perUnit(median(byThread.map((t) => t.v8Workers))),
            threadPool: perUnit(median(byThread.map((t) => t.threadPool))),
          },
        }
      : {}),
    peakRssMb: of((s) => s.peakRssMb),
    rssGrowthMb: of((s) => s.rssGrowthMb),
    rssGrowthMaxMb: Math.max(...samples.map((s) => s.rssGrowthMb)),
    ...(perConnection.length ? { kbPerConnection: median(perConnection) } : {}),
    serverCpuShare: of((s) => s.serverCpuShare),
    clientCpuShare: of((s) => s.clientCpuShare),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    ...(firstError ? { firstError } : {}),
  };
}
