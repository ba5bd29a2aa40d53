/**
 * `npm run bench`: the same workloads against raw smtp-server, a FumiModule app with plain
 * handlers and one with the full Nest pipeline, each server in its own process and the load
 * generator in another. Prints a table of medians and writes bench/results/latest.json.
 */
import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseBenchArguments } from './harness/bench-arguments.js';
import type { ServerVariant } from './harness/ipc-messages.js';
import { DESCRIPTOR_MARGIN, fileDescriptorLimit } from './harness/file-descriptor-limit.js';
import { describeMachine, formatLoad } from './harness/machine-description.js';
import { measureRun } from './harness/measure-run.js';
import type { ServerSettings } from './harness/server-child.js';
import { pairedRatioRange } from './harness/ratio-range.js';
import { formatWorkloadTable } from './harness/report-table.js';
import { type ResultEntry, toResultEntries, writeResults } from './harness/results-file.js';
import type { RunSample } from './harness/run-sample.js';
import { summarize, type Summary } from './harness/summary.js';
import { workloads, type Workload } from './harness/workloads.js';
import { benchSmtpOptions } from './servers/bench-smtp-options.js';

const RESULTS_FILE = new URL('../../bench/results/latest.json', import.meta.url);
/** Sink runs for the load generator's ceiling: it is far from the limit, a few runs suffice. */
const ceilingRuns = (quick: boolean) => (quick ? 1 : 2);

function unitsOf(workload: Workload): number {
  const spec = workload.spec;
  if (spec.kind === 'short') return spec.connections;
  if (spec.kind === 'persistent') return spec.connections * spec.messagesPerConnection;
  if (spec.kind === 'smtp-source') return spec.messages;
  return spec.connections;
}

/** Variants in a different order each run, so that drift in the machine's load hits all alike. */
function rotated<T>(items: readonly T[], by: number): T[] {
  return items.map((_, i) => items[(i + by) % items.length]!);
}

async function measureWorkload(workload: Workload, variants: readonly ServerVariant[], runs: number, settings: ServerSettings) {
  const samples = new Map<ServerVariant, RunSample[]>(variants.map((v) => [v, []]));
  for (let run = 0; run < runs; run++) {
    for (const variant of rotated(variants, run)) {
      const sample = await measureRun(workload, variant, settings);
      samples.get(variant)!.push(sample);
      process.stderr.write(
        `  ${workload.name} run ${run + 1}/${runs} ${variant}: ${sample.throughput.toFixed(1)}/s, ` +
          `server CPU ${(sample.serverCpuShare * 100).toFixed(0)}%, client CPU ${(sample.clientCpuShare * 100).toFixed(0)}%\n`,
      );
    }
  }
  const raw = samples.get('raw');
  return variants.map((variant) => {
    const summary = summarize(samples.get(variant)!, unitsOf(workload));
    if (!raw || variant === 'raw') return summary;
    const ratioRange = pairedRatioRange(samples.get(variant)!, raw);
    // every run of a workload handles the same messages, so CPU seconds compare as CPU per message
    const cpuRatioRange = pairedRatioRange(samples.get(variant)!, raw, (s) => s.cpuSeconds);
    return { ...summary, ...(ratioRange ? { ratioRange } : {}), ...(cpuRatioRange ? { cpuRatioRange } : {}) };
  });
}

async function measureCeiling(workload: Workload, runs: number): Promise<Summary> {
  const samples: RunSample[] = [];
  for (let run = 0; run < runs; run++) samples.push(await measureRun(workload, 'sink'));
  return summarize(samples, unitsOf(workload));
}

const args = parseBenchArguments(process.argv.slice(2));
const descriptors = fileDescriptorLimit();
const selected = workloads(args.quick, descriptors === undefined ? undefined : descriptors - DESCRIPTOR_MARGIN).filter((w) => args.only.length === 0 || args.only.includes(w.name));
if (selected.length === 0) throw new Error(`no workload named ${args.only.join(', ')}`);
if (args.profileDir) await mkdir(args.profileDir, { recursive: true });

const started = performance.now();
console.log(`nestjs-fumi benchmark (${args.quick ? 'quick' : 'full'}): ${describeMachine()}`);
console.log(`each figure is the median of ${args.runs} runs; every run uses fresh server and load-generator processes`);
console.log(
  `open-files limit (ulimit -n) ${descriptors ?? 'unknown'} per process; smtp-server maxClients ${benchSmtpOptions.maxClients}`,
);
if (!args.spoolFile) console.log('FumiModule servers with spoolDirectory: false (no spool file; messages read once)');

const entries: ResultEntry[] = [];
for (const workload of selected) {
  const summaries = await measureWorkload(workload, args.variants, args.runs, { profileDir: args.profileDir, spoolFile: args.spoolFile });
  const ceiling = args.ceiling ? await measureCeiling(workload, ceilingRuns(args.quick)) : undefined;
  console.log(formatWorkloadTable(workload, summaries, ceiling));
  entries.push(...toResultEntries(workload, summaries, args.quick ? 'quick' : 'full'));
}

// latest.json holds the default configuration's figures, every workload and every variant.
// A profiled run pays for its profiler: its figures are not the default configuration's.
if (args.only.length === 0 && args.variants.length === 3 && args.spoolFile && !args.profileDir) {
  await writeResults(RESULTS_FILE, entries);
  console.log(`\nwrote ${RESULTS_FILE.pathname}`);
} else {
  const why = !args.spoolFile ? 'not the default configuration' : args.profileDir ? 'profiled' : 'partial run';
  console.log(`\n(${why}: bench/results/latest.json left as it was)`);
}
console.log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${formatLoad()}`);
