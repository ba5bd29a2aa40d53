/**
 * `node dist/bench/tools/compare-cpu-profiles.js DIR --workload NAME [--variants raw,plain]`
 * From the profiles `npm run bench -- --profile DIR` wrote (one per measured run, its messages in
 * its name: `<workload>.<variant>.<time>.<messages>.cpuprofile`), the JavaScript
 * thread's time per message by category for each variant (medians over the runs), and what the
 * second variant spends beyond the first: the accounting of plain against raw.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from '../harness/median.js';
import { type CallFrame, categoryOf } from './profile-categories.js';

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

const USAGE = 'usage: compare-cpu-profiles.js DIR --workload NAME [--variants raw,plain]';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { workload: { type: 'string' }, variants: { type: 'string', default: 'raw,plain' } },
});
const directory = positionals[0];
if (!directory || !values.workload) throw new Error(USAGE);
const variants = values.variants.split(',');

/** Microseconds per message by category, for one profile. */
function perMessage(file: string): Map<string, number> {
  const messages = Number(/\.(\d+)\.cpuprofile$/.exec(file)?.[1]);
  if (!(messages > 0)) throw new Error(`${file}: no message count in its name`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const micros = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const category = categoryOf(frames.get(id)!);
    micros.set(category, (micros.get(category) ?? 0) + (profile.timeDeltas[i] ?? 0) / messages);
  });
  // not CPU the server spent: waiting, and the profiler handing over its samples
  micros.delete('(idle)');
  micros.delete('(profiler)');
  return micros;
}

const byVariant = variants.map((variant) => {
  const files = readdirSync(directory).filter((name) => name.startsWith(`${values.workload}.${variant}.`) && name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no ${values.workload}.${variant}.*.cpuprofile in ${directory}`);
  const runs = files.map((name) => perMessage(join(directory, name)));
  const categories = new Set(runs.flatMap((run) => [...run.keys()]));
  return { variant, runs: runs.length, micros: new Map([...categories].map((c) => [c, median(runs.map((run) => run.get(c) ?? 0))])) };
});

const [base, other] = byVariant;
const categories = [...new Set(byVariant.flatMap((v) => [...v.micros.keys()]))];
const delta = (category: string) => (other ? (other.micros.get(category) ?? 0) - (base!.micros.get(category) ?? 0) : 0);
categories.sort((a, b) => delta(b) - delta(a));
const total = (v: (typeof byVariant)[number]) => [...v.micros.values()].reduce((a, b) => a + b, 0);

console.log(`${values.workload}: JavaScript thread µs per message, medians of ${byVariant.map((v) => `${v.runs} ${v.variant}`).join(' and ')} runs`);
console.log(`| category | ${variants.join(' | ')} | ${other ? `${other.variant} − ${base!.variant} |` : ''}`);
console.log(`| --- | ${variants.map(() => '---:').join(' | ')} | ${other ? '---: |' : ''}`);
for (const category of categories) {
  const cells = byVariant.map((v) => (v.micros.get(category) ?? 0).toFixed(1));
  console.log(`| ${category} | ${cells.join(' | ')} | ${other ? `${delta(category) >= 0 ? '+' : ''}${delta(category).toFixed(1)} |` : ''}`);
}
const totals = byVariant.map(total);
console.log(`| **all sampled** | ${totals.map((t) => t.toFixed(1)).join(' | ')} | ${other ? `${(totals[1]! - totals[0]!).toFixed(1)} |` : ''}`);
