import { mkdir, writeFile } from 'node:fs/promises';
import type { Summary } from './summary.js';
import type { Workload } from './workloads.js';
import { reportsLatency } from '../load/workload-spec.js';

/** One entry of `bench/results/latest.json`. */
export interface ResultEntry {
  workload: string;
  variant: 'raw' | 'plain' | 'full';
  /** `null` for the idle workload, which sends no messages. */
  msgsPerSec: number | null;
  p99Ms: number | null;
  /** Peak RSS of the server process during the workload. */
  rssMb: number;
  p50Ms: number | null;
  cpuSeconds: number;
  /** Server CPU per message (per connection for the idle workload): less sensitive to a busy machine. */
  cpuMicrosPerMsg: number;
  /** The same by kind of thread: the JavaScript thread, V8's workers (GC), libuv's pool (files). */
  cpuMicrosPerMsgByThread?: { main: number; v8Workers: number; threadPool: number };
  /** Server CPU per message over raw's (1 for raw itself). */
  cpuRatioToRaw: number | null;
  /** Lowest and highest per-round CPU ratio to raw (absent for raw). */
  cpuRatioRange?: [low: number, high: number];
  rssGrowthMb: number;
  /** The largest RSS growth of any run. */
  rssGrowthMaxMb: number;
  kbPerConnection?: number;
  /** Connections opened a second (idle workload). */
  connsPerSec?: number;
  ratioToRaw: number | null;
  /** Lowest and highest per-round ratio to raw (absent for raw). */
  ratioRange?: [low: number, high: number];
  runs: number;
  errors: number;
  mode: 'full' | 'quick';
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export function toResultEntries(workload: Workload, summaries: readonly Summary[], mode: 'full' | 'quick'): ResultEntry[] {
  const raw = summaries.find((s) => s.variant === 'raw');
  const idle = workload.spec.kind === 'idle';
  const noLatency = !reportsLatency(workload.spec);
  return summaries.flatMap((s) =>
    s.variant === 'sink'
      ? []
      : [
          {
            workload: workload.name,
            variant: s.variant,
            msgsPerSec: idle ? null : round(s.throughput, s.throughput < 10 ? 3 : 1),
            p99Ms: noLatency ? null : round(s.p99Ms, 3),
            rssMb: round(s.peakRssMb, 1),
            p50Ms: noLatency ? null : round(s.p50Ms, 3),
            cpuSeconds: round(s.cpuSeconds, 3),
            cpuMicrosPerMsg: round(s.cpuMicrosPerUnit, 1),
            ...(s.cpuMicrosByThread
              ? {
                  cpuMicrosPerMsgByThread: {
                    main: round(s.cpuMicrosByThread.main, 1),
                    v8Workers: round(s.cpuMicrosByThread.v8Workers, 1),
                    threadPool: round(s.cpuMicrosByThread.threadPool, 1),
                  },
                }
              : {}),
            cpuRatioToRaw: raw ? round(s.cpuMicrosPerUnit / raw.cpuMicrosPerUnit, 3) : null,
            ...(s.cpuRatioRange ? { cpuRatioRange: [round(s.cpuRatioRange.low, 3), round(s.cpuRatioRange.high, 3)] as [number, number] } : {}),
            rssGrowthMb: round(s.rssGrowthMb, 1),
            rssGrowthMaxMb: round(s.rssGrowthMaxMb, 1),
            ...(s.kbPerConnection !== undefined ? { kbPerConnection: round(s.kbPerConnection, 2) } : {}),
            ...(idle ? { connsPerSec: round(s.throughput, 1) } : {}),
            ratioToRaw: raw ? round(s.throughput / raw.throughput, 3) : null,
            ...(s.ratioRange ? { ratioRange: [round(s.ratioRange.low, 3), round(s.ratioRange.high, 3)] as [number, number] } : {}),
            runs: s.runs,
            errors: s.errors,
            mode,
          },
        ],
  );
}

export async function writeResults(file: URL, entries: readonly ResultEntry[]): Promise<void> {
  await mkdir(new URL('.', file), { recursive: true });
  await writeFile(file, `${JSON.stringify(entries, null, 2)}\n`);
}
