import type { Summary } from './summary.js';
import { verdict } from './targets.js';
import type { Workload } from './workloads.js';
import { reportsLatency } from '../load/workload-spec.js';

const COLUMNS = [
  ['variant', 7],
  ['msg/s', 9],
  ['× raw', 6],
  ['× raw range', 11],
  ['p50 ms', 7],
  ['p99 ms', 7],
  ['CPU %', 5],
  ['CPU µs/msg', 10],
  ['CPU × raw', 9],
  ['CPU × raw range', 15],
  ['main · V8 · pool µs', 19],
  ['peak RSS MB', 11],
  ['memory', 22],
  ['target', 0],
] as const;

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function memoryFigure(workload: Workload, summary: Summary): string {
  if (workload.memory === 'growth') return `+${fixed(summary.rssGrowthMb, 1)} MB (max +${fixed(summary.rssGrowthMaxMb, 1)})`;
  if (workload.memory === 'per-connection') return `${fixed(summary.kbPerConnection, 1)} KB/conn`;
  return '';
}

function row(cells: readonly string[]): string {
  return cells.map((cell, i) => cell.padStart(Math.max(COLUMNS[i]![1], 0))).join('  ').trimEnd();
}

/** The table of one workload: one line per variant, ratios to raw, targets, client ceiling. */
export function formatWorkloadTable(workload: Workload, summaries: readonly Summary[], ceiling?: Summary): string {
  const raw = summaries.find((s) => s.variant === 'raw');
  const unit = workload.spec.kind === 'idle' ? 'conn/s' : 'msg/s';
  const noLatency = !reportsLatency(workload.spec);
  const lines = [
    `\n${workload.name}: ${workload.title}  (medians of ${summaries[0]?.runs ?? 0} runs; the range is of each round's ratio)`,
    row(COLUMNS.map(([title]) => (title === 'msg/s' ? unit : title === 'CPU µs/msg' ? `CPU µs/${unit.split('/')[0]}` : title))),
  ];
  for (const s of summaries) {
    lines.push(
      row([
        s.variant,
        fixed(s.throughput, workload.spec.kind === 'persistent' && s.throughput < 100 ? 2 : 0),
        raw ? fixed(s.throughput / raw.throughput, 3) : '—',
        s.ratioRange ? `${fixed(s.ratioRange.low, 2)}–${fixed(s.ratioRange.high, 2)}` : '—',
        noLatency ? '—' : fixed(s.p50Ms, 2),
        noLatency ? '—' : fixed(s.p99Ms, 2),
        fixed(s.serverCpuShare * 100, 0),
        fixed(s.cpuMicrosPerUnit, 0),
        raw ? fixed(s.cpuMicrosPerUnit / raw.cpuMicrosPerUnit, 3) : '—',
        s.cpuRatioRange ? `${fixed(s.cpuRatioRange.low, 2)}–${fixed(s.cpuRatioRange.high, 2)}` : '—',
        s.cpuMicrosByThread
          ? [s.cpuMicrosByThread.main, s.cpuMicrosByThread.v8Workers, s.cpuMicrosByThread.threadPool].map((v) => fixed(v, 0)).join(' · ')
          : '—',
        fixed(s.peakRssMb, 1),
        memoryFigure(workload, s),
        verdict(s, raw),
      ]),
    );
    if (s.firstError) lines.push(`        first error: ${s.firstError}`);
  }
  if (ceiling) {
    const fastest = Math.max(...summaries.map((s) => s.throughput));
    lines.push(
      `  load generator ceiling (against a raw-socket SMTP sink, no greeting delay): ${fixed(ceiling.throughput, 0)} ${unit}` +
        ` = ${fixed(ceiling.throughput / fastest, 1)} × the fastest server above;` +
        ` client CPU share while driving the servers: ${summaries.map((s) => `${s.variant} ${fixed(s.clientCpuShare * 100, 0)}%`).join(', ')}`,
    );
  }
  return lines.join('\n');
}
