// A soak of the sample (#29 item 8): 4 SMTP clients send valid mail and the hostile-MIME corpus,
// 4 inbox readers open what arrives through every route and delete it, for SOAK_MINUTES (10).
// The sample's RSS and open files are read every 30 s; the start is taken after 60 s of warm-up,
// the end after the load stops and 60 s of idle. Prints the series and the verdict:
// RSS under twice the start (or start + 300 MB, the larger), open files within 10 of the start.
//
//   npm run bench:soak            (SOAK_MINUTES=2 for a short one)
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SmtpTestClient } from '../lib/testing/index.js';
import type { MessageDetail, MessageSummary } from '../sample/inbox/message.views.js';
import { startProcess, waitUntilReady } from '../test/support/child-process.js';
import { hostileCorpus } from '../test/support/hostile-mime.js';
import { processMemoryMb } from './inbox/process-memory.js';
import { copyWebAssets } from './inbox/web-assets.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const WARM_UP_MS = Number(process.env.SOAK_WARM_UP_SECONDS ?? 60) * 1000;
const IDLE_MS = Number(process.env.SOAK_IDLE_SECONDS ?? 60) * 1000;
const SAMPLE_EVERY_MS = Number(process.env.SOAK_EVERY_SECONDS ?? 30) * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Reading {
  at: number;
  rssMb: number;
  openFiles: number;
}

async function read(pid: number, started: number): Promise<Reading> {
  return {
    at: Math.round((performance.now() - started) / 1000),
    rssMb: (await processMemoryMb(pid)).rss,
    openFiles: (await readdir(`/proc/${pid}/fd`)).length,
  };
}

async function sender(port: number, running: () => boolean, counts: Record<string, number>): Promise<void> {
  let cycle = 0;
  while (running()) {
    // a session the server ends is counted, not fatal: the soak is about what the server keeps
    await session(port, running, counts, cycle++).catch((error: unknown) => {
      const key = `smtp session ended: ${error instanceof Error ? error.message : String(error)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    });
  }
}

async function session(port: number, running: () => boolean, counts: Record<string, number>, cycle: number): Promise<void> {
  const client = await SmtpTestClient.connect(port);
  for (const message of hostileCorpus()) {
    if (!running()) break;
    if (message.name.startsWith('9.5 MB') && cycle % 10 !== 0) continue; // the large one now and then: the disk is not the subject
    const code = (await client.sendMail({ from: 'soak@ok.test', to: 'bob@example.test', body: message.body })).data?.code ?? 0;
    counts[`smtp ${code}`] = (counts[`smtp ${code}`] ?? 0) + 1;
    const valid = `From: soak@ok.test\r\nTo: bob@example.test\r\nSubject: valid ${cycle}\r\n\r\nHello ${cycle}\r\n`;
    const ok = (await client.sendMail({ from: 'soak@ok.test', to: 'bob@example.test', body: valid })).data?.code ?? 0;
    counts[`smtp ${ok}`] = (counts[`smtp ${ok}`] ?? 0) + 1;
  }
  await client.quit();
}

async function reader(url: string, running: () => boolean, counts: Record<string, number>, mine: (id: string) => boolean): Promise<void> {
  while (running()) {
    await readInbox(url, running, counts, mine).catch((error: unknown) => {
      const key = `http failed: ${error instanceof Error ? error.message : String(error)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    });
  }
}

async function readInbox(url: string, running: () => boolean, counts: Record<string, number>, mine: (id: string) => boolean): Promise<void> {
  const get = async (path: string, method = 'GET') => {
    const response = await fetch(url + path, { method });
    await response.arrayBuffer().catch(() => undefined);
    counts[`http ${response.status}`] = (counts[`http ${response.status}`] ?? 0) + 1;
    return response;
  };
  while (running()) {
    const list = ((await (await fetch(`${url}/api/messages?limit=80`)).json()) as MessageSummary[]).filter((m) => mine(m.id));
    if (!list.length) await sleep(200);
    for (const { id } of list) {
      if (!running()) break;
      const view = await fetch(`${url}/api/messages/${id}`);
      counts[`http ${view.status}`] = (counts[`http ${view.status}`] ?? 0) + 1;
      const detail = view.status === 200 ? ((await view.json()) as MessageDetail) : (await view.arrayBuffer(), undefined);
      for (const method of ['GET', 'HEAD']) {
        await get(`/api/messages/${id}/html`, method);
        for (const a of detail?.attachments ?? []) await get(`/api/messages/${id}/attachments/${a.index}`, method);
        await get(`/api/messages/${id}/raw`, method);
      }
      await get(`/api/messages/${id}`, 'DELETE');
    }
  }
}

async function main(): Promise<void> {
  await copyWebAssets();
  const maildir = await mkdtemp(join(tmpdir(), 'fumi-soak-'));
  const sample = startProcess(process.execPath, [join(import.meta.dirname, 'inbox', 'sample-child.js')], {
    env: { ...process.env, MAILDIR: maildir, SMTP_HOST: '127.0.0.1', SMTP_PORT: '0', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' },
  });
  try {
    await waitUntilReady(sample, () => /smtp \d+/.test(sample.output()), 60_000);
    const url = /inbox (http\S+)/.exec(sample.output())![1]!;
    const port = Number(/smtp (\d+)/.exec(sample.output())![1]);
    const pid = sample.child.pid!;
    const started = performance.now();
    const until = started + WARM_UP_MS + MINUTES * 60_000;
    const running = () => performance.now() < until;
    const counts: Record<string, number> = {};
    const load = Promise.all([
      ...Array.from({ length: 4 }, () => sender(port, running, counts)),
      // each reader its own share of the messages, so that they open rather than find them deleted
      ...Array.from({ length: 4 }, (_, i) => reader(url, running, counts, (id) => [...id].reduce((h, c) => h + c.charCodeAt(0), 0) % 4 === i)),
    ]);
    const readings: Reading[] = [];
    await sleep(WARM_UP_MS);
    while (running()) {
      readings.push(await read(pid, started));
      await sleep(Math.min(SAMPLE_EVERY_MS, Math.max(0, until - performance.now())));
    }
    await load;
    readings.push(await read(pid, started));
    await sleep(IDLE_MS);
    const end = await read(pid, started);
    const start = readings[0]!;
    const rssLimit = Math.max(start.rssMb * 2, start.rssMb + 300);
    const lines = [
      `soak: ${MINUTES} min of load after ${WARM_UP_MS / 1000} s of warm-up, then ${IDLE_MS / 1000} s idle`,
      `  replies: ${Object.entries(counts).sort().map(([k, v]) => `${k} × ${v}`).join(', ')}`,
      ...readings.map((r) => `  t=${r.at}s RSS ${r.rssMb.toFixed(0)} MB, open files ${r.openFiles}`),
      `  after idle: t=${end.at}s RSS ${end.rssMb.toFixed(0)} MB, open files ${end.openFiles}`,
      `  RSS ${end.rssMb.toFixed(0)} MB vs limit ${rssLimit.toFixed(0)} MB: ${end.rssMb < rssLimit ? 'ok' : 'MISSED'}; ` +
        `open files ${end.openFiles} vs start ${start.openFiles} + 10: ${end.openFiles <= start.openFiles + 10 ? 'ok' : 'MISSED'}`,
      `  500s ${counts['http 500'] ?? 0}, ERROR lines ${(sample.output().match(/ERROR/g) ?? []).length}: ${!counts['http 500'] && !/ERROR/.test(sample.output()) ? 'ok' : 'MISSED'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sample.stop();
    await rm(maildir, { recursive: true, force: true });
  }
}

await main();
