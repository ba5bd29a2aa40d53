import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startProcess, waitUntilReady, type RunningProcess } from './child-process.js';
import { freePort } from './free-port.js';

/** The Debian package's binary; CI installs it with apt (`rspamd`). */
export const RSPAMD_BINARY = process.env.RSPAMD_BINARY ?? '/usr/bin/rspamd';

/** The rules that force each action for marked messages (see the file). */
const RULES = resolve(import.meta.dirname, '..', 'fixtures', 'rspamd', 'fumi-test-rules.lua');

/** Subject marks the test rules turn into actions; GTUBE in the body is rspamd's own reject. */
export const RSPAMD_MARKS = {
  greylist: 'FUMI-TEST-GREYLIST',
  addHeader: 'FUMI-TEST-ADD-HEADER',
  rewriteSubject: 'FUMI-TEST-REWRITE-SUBJECT',
  softReject: 'FUMI-TEST-SOFT-REJECT',
} as const;
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

export interface TestRspamd {
  /** Its normal worker, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** SIGSTOP to rspamd and its workers: connections are accepted by the kernel and never answered. */
  pause(): void;
  resume(): void;
  /** rspamd's log, for failure messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A private rspamd 3.4 for one test file: its normal worker on 127.0.0.1 and a free port, a config
 * of its own in a temporary directory, no module that looks anything up (no plugins are loaded:
 * no DNS lists, no redis, no fuzzy, no URL checks), and the rules of `fumi-test-rules.lua`.
 */
export async function startRspamd(): Promise<TestRspamd> {
  const dir = await mkdtemp(join(tmpdir(), 'fumi-rspamd-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'rspamd.conf');
    await writeFile(join(dir, 'tld.dat'), 'test\nexample\ncom\norg\nnet\n');
    await writeFile(config, rspamdConfig(dir, port));
    // -i: a root CI container runs it as root; -f: in the foreground, stopped with the test
    const rspamd = startProcess(RSPAMD_BINARY, ['-f', '-i', '-c', config]);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilReady(rspamd, () => pong(url), 60_000);
      return handle(rspamd, dir, url, port);
    } catch (error) {
      await stopAll(rspamd);
      const log = await readFile(join(dir, 'rspamd.log'), 'utf8').catch(() => '');
      if (attempt < 3 && /Address already in use/.test(log)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`${(error as Error).message}\nrspamd.log:\n${log.slice(-4000)}`);
    }
  }
}

function handle(rspamd: RunningProcess, dir: string, url: string, port: number): TestRspamd {
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of [rspamd.child.pid!, ...childrenOf(rspamd.child.pid!)]) process.kill(pid, signal);
  };
  return {
    url,
    port,
    pause: () => signalAll('SIGSTOP'),
    resume: () => signalAll('SIGCONT'),
    log: () => readFile(join(dir, 'rspamd.log'), 'utf8').catch(() => ''),
    stop: async () => {
      await stopAll(rspamd);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Ends rspamd and the workers it forked, even if the main process had to be killed. */
async function stopAll(rspamd: RunningProcess): Promise<void> {
  const pid = rspamd.child.pid;
  const workers = pid ? childrenOf(pid) : [];
  if (pid && rspamd.child.exitCode === null) process.kill(pid, 'SIGCONT');
  await rspamd.stop();
  for (const worker of workers) {
    try {
      process.kill(worker, 'SIGKILL');
    } catch {
      // already gone with its main process
    }
  }
}

/** The processes `pid` forked (Linux's /proc), read synchronously so that a signal reaches them all at once. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function rspamdConfig(dir: string, port: number): string {
  return `
options {
  pidfile = "${dir}/rspamd.pid";
  dbdir = "${dir}";
  tempdir = "${dir}";
  # the built-in GTUBE patterns, and a tiny public-suffix list that loads at once
  enable_test_patterns = true;
  url_tld = "${dir}/tld.dat";
  disable_hyperscan = true;
  # nothing must leave the machine: an unanswering resolver, asked by nobody
  dns { nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 0; }
}
logging { type = "file"; filename = "${dir}/rspamd.log"; level = "info"; }
actions { greylist = 4; add_header = 6; rewrite_subject = 10; reject = 15; subject = "***SPAM*** %s"; }
worker "normal" { bind_socket = "127.0.0.1:${port}"; count = 1; }
lua = "${RULES}";
`;
}

/** `true` once the normal worker answers its `/ping`. */
function pong(url: string): Promise<boolean> {
  return new Promise((done) => {
    const request = get(`${url}/ping`, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => done(response.statusCode === 200 && text.includes('pong')));
    });
    request.on('error', () => done(false));
    request.setTimeout(1_000, () => request.destroy());
  });
}
