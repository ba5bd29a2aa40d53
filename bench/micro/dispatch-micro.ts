/**
 * `npm run bench:micro`: what our dispatch costs per SMTP command, in microseconds, without
 * sockets: each phase called the way smtp-server calls it, on raw callbacks, on the plain app
 * (no enhancers) and on the full one (guard, interceptor, pipe, three handlers, request scope),
 * then the mailFrom phase taken apart layer by layer to show where the time goes.
 *
 * Every figure comes from fresh processes that boot one variant and time one row: with both
 * apps and every row in one process, the full rows read 5 or 13 µs per MAIL FROM from one run
 * to the next, the slow runs spending seconds more in the garbage collector.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describeMachine } from '../harness/machine-description.js';
import { median } from '../harness/median.js';
import { LAYER_ROWS, type MicroVariant } from './micro-variant.js';

const run = promisify(execFile);
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const processesArg = argv.indexOf('--processes');
const PROCESSES = processesArg >= 0 ? Number(argv[processesArg + 1]) : quick ? 1 : 3;
if (!Number.isInteger(PROCESSES) || PROCESSES < 1) throw new Error('bench:micro: --processes takes a whole number ≥ 1');
const ITERATIONS = quick ? 4_000 : 20_000;
const ROUNDS = 5;
const PHASES = ['connect', 'mailFrom', 'rcptTo', 'data', 'data, 1 MiB', 'connect+close', 'whole connection'];
const childScript = new URL('./micro-child.js', import.meta.url).pathname;

interface Reading {
  median: number;
  low: number;
  high: number;
}

const readings = new Map<string, Promise<Reading>>();

/** µs per call of one row: the median over `PROCESSES` fresh processes, and their spread. */
function measure(variant: MicroVariant, row: string): Promise<Reading> {
  const key = `${variant} ${row}`;
  if (!readings.has(key)) readings.set(key, measureAfresh(variant, row));
  return readings.get(key)!;
}

async function measureAfresh(variant: MicroVariant, row: string): Promise<Reading> {
  // a mebibyte takes a thousand times longer than a command; fewer calls measure it as well
  const iterations = row.endsWith('MiB') ? ITERATIONS / 50 : ITERATIONS;
  const perProcess: number[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const { stdout } = await run(process.execPath, [childScript, variant, row, String(iterations), String(ROUNDS)], {
      maxBuffer: 1 << 20,
    });
    perProcess.push((JSON.parse(stdout.trim().split('\n').pop()!) as { us: number }).us);
  }
  return { median: median(perProcess), low: Math.min(...perProcess), high: Math.max(...perProcess) };
}

const fmt = (value: number) => value.toFixed(2).padStart(9);
const spread = (reading: Reading) =>
  PROCESSES > 1 ? ` ${`${reading.low.toFixed(2)}–${reading.high.toFixed(2)}`.padStart(13)}` : '';

console.log(`dispatch micro-benchmark: ${describeMachine()}`);
console.log(
  `µs per call: each row timed in ${PROCESSES} fresh process${PROCESSES > 1 ? 'es' : ''} per variant (median of ${ROUNDS} rounds × ` +
    `${ITERATIONS} calls after a warm-up round in each), in-process, no sockets` +
    (PROCESSES > 1 ? '; the median over processes, and full’s lowest–highest' : '') +
    '\n',
);
console.log(
  `${'phase'.padEnd(18)}${'raw'.padStart(9)}${'plain'.padStart(9)}${'full'.padStart(9)}` +
    `${PROCESSES > 1 ? 'full range'.padStart(14) : ''}${'plain−raw'.padStart(11)}${'full−raw'.padStart(11)}`,
);
for (const phase of PHASES) {
  const raw = await measure('raw', phase);
  const plain = await measure('plain', phase);
  const full = await measure('full', phase);
  console.log(
    `${phase.padEnd(18)}${fmt(raw.median)}${fmt(plain.median)}${fmt(full.median)}${spread(full)}  ` +
      `${fmt(plain.median - raw.median)}  ${fmt(full.median - raw.median)}`,
  );
}

console.log(`\nmailFrom, layer by layer (µs per call${PROCESSES > 1 ? '; lowest–highest process' : ''})`);
for (const [variant, row, label] of LAYER_ROWS) {
  const reading = await measure(variant, row);
  console.log(`${label.padEnd(58)}${fmt(reading.median)}${spread(reading)}`);
}
