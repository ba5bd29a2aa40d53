import { median } from './median.js';
import type { RatioRange } from './ratio-range.js';
import type { RunSample } from './run-sample.js';

/**
 * The median of every figure of one workload × variant over its runs, except `errors`: summed
 * over all runs (any at all makes the figures suspect).
 */
export interface Summary extends RunSample {
  readonly runs: number;
  /** Server CPU per message (or per connection for the idle workload), microseconds. */
  readonly cpuMicrosPerUnit: number;
  /** The largest RSS growth of any run: what a memory target has to hold for. */
  readonly rssGrowthMaxMb: number;
  /** Per-round rate over raw smtp-server's, lowest and highest (not for raw itself). */
  readonly ratioRange?: RatioRange;
}

export function summarize(samples: readonly RunSample[], units: number): Summary {
  const first = samples[0];
  if (!first) throw new Error('no samples to summarize');
  const of = (pick: (sample: RunSample) => number) => median(samples.map(pick));
  const perConnection = samples.flatMap((s) => (s.kbPerConnection === undefined ? [] : [s.kbPerConnection]));
  const firstError = samples.find((s) => s.firstError)?.firstError;
  const cpuSeconds = of((s) => s.cpuSeconds);
  return {
    workload: first.workload,
    variant: first.variant,
    runs: samples.length,
    throughput: of((s) => s.throughput),
    p50Ms: of((s) => s.p50Ms),
    p99Ms: of((s) => s.p99Ms),
    cpuSeconds,
    cpuMicrosPerUnit: units > 0 ? (cpuSeconds / units) * 1e6 : Number.NaN,
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
