/**
 * `node dist/bench/tools/summarize-cpu-profile.js file.cpuprofile [--top N] [--filter text]`
 * Prints where a `--cpu-prof` profile spent its time: self time per function, and total
 * (inclusive) time per function, so that the cost of our dispatch can be told from smtp-server's.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, filter: { type: 'string', default: '' } },
});
const file = positionals[0];
if (!file) throw new Error('usage: summarize-cpu-profile.js file.cpuprofile [--top N] [--filter text]');
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/.*\/dist\//, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

const selfMicros = new Map<number, number>();
profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalMicros = [...selfMicros.values()].reduce((a, b) => a + b, 0);

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + micros);
  // Each function counted once per sample even when it recurses.
  const seen = new Set<string>();
  for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
    const name = label(byId.get(cursor)!);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
  }
}

function print(title: string, table: Map<string, number>): void {
  console.log(`\n${title} (of ${(totalMicros / 1000).toFixed(0)} ms sampled)`);
  [...table]
    .filter(([name]) => name.includes(values.filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([name, micros]) =>
      console.log(`${((100 * micros) / totalMicros).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`),
    );
}

/** Which code a function belongs to: our library, a package, Node itself, or the runtime. */
function origin(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const local = /\/dist\/([^/]+)\//.exec(url);
  return local ? local[1]! : url;
}

const byOrigin = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const key = origin(byId.get(id)!);
  byOrigin.set(key, (byOrigin.get(key) ?? 0) + micros);
}

console.log(basename(file));
print('self time by origin', byOrigin);
print('self time', self);
print('total time', inclusive);
