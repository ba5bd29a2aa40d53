// Opening large messages in the web inbox while SMTP clients connect (#29 item 7). Writes 33
// quoted-printable HTML messages of 9.5 MB into a Maildir, starts the sample on it in a child
// process (default limits), and opens them the way the inbox page does (the view, then the HTML):
// 32 clients each a different message (cache cold), then 32 clients the same one. Meanwhile a
// probe opens a fresh SMTP connection every 50 ms and times its 220 + EHLO. Then the same probe
// beside an @OnData handler calling ctx.parse() on that message, on the loop and in the pool.
// Not a timed test: it prints the figures beside their targets.
//
//   npm run bench:open          (BENCH_CLIENTS=8 for a quicker run)
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startProcess, waitUntilReady, type RunningProcess } from '../test/support/child-process.js';
import { largeQpHtml } from '../test/support/hostile-mime.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { processMemoryMb } from './inbox/process-memory.js';
import { copyWebAssets } from './inbox/web-assets.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const PROBE_EVERY_MS = 50;
const MIN_PROBES = 200;
const TARGET_P99_MS = 250;
const TARGET_RSS_MB = 600;

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : 'failed');

function summary(name: string, times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  return `${name}: ${sorted.length} probes, 220+EHLO p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1)!)}`;
}

/** Opens one message as the page does; its time, or the status that stopped it. */
async function open(url: string, id: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  for (const path of ['', '/html']) {
    const response = await fetch(`${url}/api/messages/${id}${path}`);
    await response.arrayBuffer();
    if (response.status !== 200) return { ms: performance.now() - started, status: response.status };
  }
  return { ms: performance.now() - started, status: 200 };
}

/** Runs `work` with the probe going (in a process of its own), for at least MIN_PROBES probes. */
async function probed<T>(port: number, work: () => Promise<T>): Promise<{ result: T; probes: number[] }> {
  const probe = startProcess(process.execPath, [join(import.meta.dirname, 'inbox', 'probe-child.js')], {
    env: { ...process.env, PROBE_PORT: String(port), PROBE_EVERY_MS: String(PROBE_EVERY_MS) },
  });
  await waitUntilReady(probe, () => probe.output().includes('probing'));
  const started = performance.now();
  const result = await work();
  const left = MIN_PROBES * PROBE_EVERY_MS - (performance.now() - started);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  probe.child.kill('SIGTERM');
  await probe.exited;
  const times = JSON.parse(probe.output().split('\n').find((line) => line.startsWith('['))!) as number[];
  return { result, probes: times.map((t) => (t < 0 ? Number.POSITIVE_INFINITY : t)) };
}

function gets(name: string, opened: { ms: number; status: number }[]): string {
  const served = opened.filter((o) => o.status === 200).map((o) => o.ms).sort((a, b) => a - b);
  const busy = opened.filter((o) => o.status === 503).length;
  const other = opened.filter((o) => o.status !== 200 && o.status !== 503).map((o) => o.status);
  return `${name}: ${served.length} opened (p50 ${ms(percentile(served, 50) ?? NaN)}, max ${ms(served.at(-1) ?? NaN)}), ${busy} got 503${other.length ? `, other: ${other.join(' ')}` : ''}`;
}

async function inboxRun(maildir: string): Promise<string[]> {
  await mkdir(join(maildir, 'bob@example.test', 'new'), { recursive: true });
  const ids = Array.from({ length: CLIENTS + 1 }, (_, i) => `${1_796_000_000 + i}.M${i}P1R${i}.bench`);
  for (const [i, id] of ids.entries()) await writeFile(join(maildir, 'bob@example.test', 'new', id), largeQpHtml(9.5 * 1024 * 1024, `large ${i}`));
  let sample: RunningProcess | undefined;
  try {
    sample = startProcess(process.execPath, [join(import.meta.dirname, 'inbox', 'sample-child.js')], {
      env: { ...process.env, MAILDIR: maildir, SMTP_HOST: '127.0.0.1', SMTP_PORT: '0', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' },
    });
    await waitUntilReady(sample, () => /inbox http/.test(sample!.output()), 60_000);
    const url = /inbox (http\S+)/.exec(sample.output())![1]!;
    await (await fetch(`${url}/api/messages`)).arrayBuffer(); // the start scan is done
    const smtpPort = Number(/smtp (\d+)/.exec(sample.output())![1]);
    const idle = await probed(smtpPort, async () => undefined);
    const different = await probed(smtpPort, () => Promise.all(ids.slice(0, CLIENTS).map((id) => open(url, id))));
    const same = await probed(smtpPort, () => Promise.all(ids.slice(0, CLIENTS).map(() => open(url, ids[CLIENTS]!))));
    return [
      summary('  idle', idle.probes),
      summary(`  ${CLIENTS} clients, ${CLIENTS} different messages`, different.probes),
      gets('    their GETs (view + HTML)', different.result),
      summary(`  ${CLIENTS} clients, the same message`, same.probes),
      gets('    their GETs (view + HTML)', same.result),
      `  sample peak RSS ${(await processMemoryMb(sample.child.pid!)).peak.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB)`,
      `  target: 220+EHLO p99 < ${TARGET_P99_MS} ms while opening`,
    ];
  } finally {
    await sample?.stop();
  }
}

async function parseRun(where: 'loop' | 'pool'): Promise<string> {
  const child = startProcess(process.execPath, [join(import.meta.dirname, 'inbox', 'parse-child.js')], { env: { ...process.env, PARSE_IN: where } });
  try {
    await waitUntilReady(child, () => /smtp \d+/.test(child.output()), 30_000);
    const port = Number(/smtp (\d+)/.exec(child.output())![1]);
    const body = largeQpHtml(9.5 * 1024 * 1024, 'parsed');
    const { probes, result } = await probed(port, async () => {
      const client = await SmtpTestClient.connect(port);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const code = (await client.sendMail({ from: 'a@ok.test', to: 'b@ok.test', body })).data?.code;
        if (code !== 250) throw new Error(`DATA answered ${code}`);
        times.push(performance.now() - started);
      }
      await client.quit();
      return times;
    });
    return `${summary(`  ctx.parse() ${where === 'pool' ? 'with { pool: true }' : 'on the loop (default options)'}, 5 messages`, probes)}; each message ${result.map((t) => t.toFixed(0)).join(', ')} ms to 250`;
  } finally {
    await child.stop();
  }
}

async function main(): Promise<void> {
  await copyWebAssets();
  const maildir = await mkdtemp(join(tmpdir(), 'fumi-bench-open-'));
  try {
    const lines = ['opening 9.5 MB quoted-printable HTML messages, probe every 50 ms', ...(await inboxRun(maildir))];
    lines.push(await parseRun('loop'), await parseRun('pool'));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(maildir, { recursive: true, force: true });
  }
}

await main();
