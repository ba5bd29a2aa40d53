// The web inbox's listing over a large Maildir (#23 item 1): writes 100,000 small messages into a
// temporary Maildir (4 mailboxes), starts the sample on it in a child process, then measures the
// first page's latency over 200 requests and the process's RSS with the index in memory. Not a
// timed test: it prints the figures beside their targets. The temporary files are removed.
//
//   npm run bench:inbox          (compiles with tsc into dist/, then runs dist/bench/inbox-listing.js)
//   BENCH_MESSAGES=20000 BENCH_REQUESTS=100 npm run bench:inbox
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startProcess, waitUntilReady } from '../test/support/child-process.js';
import { writeMaildirMessages } from '../test/support/maildir-files.js';
import { processMemoryMb } from './inbox/process-memory.js';
import { copyWebAssets } from './inbox/web-assets.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const MAILBOXES = ['ann@example.test', 'bob@example.test', 'carol@example.test', 'dave@example.test'];
const TARGET_P99_MS = 200;
const TARGET_RSS_MB = 300;

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function timed(url: string): Promise<{ ms: number; count: number; next?: string }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = (await response.json()) as unknown[];
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  const next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '')?.[1];
  return { ms, count: body.length, ...(next ? { next } : {}) };
}

async function main(): Promise<void> {
  await copyWebAssets();
  const maildir = await mkdtemp(join(tmpdir(), 'fumi-bench-inbox-'));
  let sample: ReturnType<typeof startProcess> | undefined;
  try {
    let started = performance.now();
    await writeMaildirMessages(maildir, MESSAGES, { mailboxes: MAILBOXES });
    process.stderr.write(`wrote ${MESSAGES} messages in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    sample = startProcess(process.execPath, [join(import.meta.dirname, 'inbox', 'sample-child.js')], {
      env: { ...process.env, MAILDIR: maildir, SMTP_HOST: '127.0.0.1', SMTP_PORT: '0', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' },
    });
    started = performance.now();
    await waitUntilReady(sample, () => /inbox http/.test(sample!.output()), 60_000);
    const url = /inbox (http\S+)/.exec(sample.output())![1]!;
    const first = await timed(`${url}/api/messages`); // waits for the start scan, then reads 50 header blocks
    const ready = performance.now() - started;

    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) latencies.push((await timed(`${url}/api/messages`)).ms);
    latencies.sort((a, b) => a - b);

    // pages further down read their header blocks for the first time
    const deeper: number[] = [];
    for (let path: string | undefined = first.next, i = 0; path && i < 100; i++) {
      const page = await timed(url + path);
      deeper.push(page.ms);
      path = page.next;
    }
    deeper.sort((a, b) => a - b);
    const memory = await processMemoryMb(sample.child.pid!);

    const p99 = percentile(latencies, 99);
    const lines = [
      `inbox listing, ${MESSAGES} stored messages in ${MAILBOXES.length} mailboxes`,
      `  spawn to first page (boot, start scan, 50 header reads): ${ready.toFixed(0)} ms`,
      `  first page (${first.count} summaries), ${REQUESTS} requests: p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms (target < ${TARGET_P99_MS} ms p99) ${p99 < TARGET_P99_MS ? 'ok' : 'MISSED'}`,
      deeper.length
        ? `  next ${deeper.length} pages (headers read for the first time): p50 ${percentile(deeper, 50).toFixed(1)} ms, p99 ${percentile(deeper, 99).toFixed(1)} ms`
        : '  no further pages',
      `  sample RSS with the index: ${memory.rss.toFixed(0)} MB, peak ${memory.peak.toFixed(0)} MB ` +
        `(target < ${TARGET_RSS_MB} MB) ${memory.peak < TARGET_RSS_MB ? 'ok' : 'MISSED'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sample?.stop();
    await rm(maildir, { recursive: true, force: true });
  }
}

await main();
