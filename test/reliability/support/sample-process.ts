import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * Compiles the sample with its own config (`tsconfig.sample.json`, what `npm start` builds) into
 * `dist/<outDir>`, and returns the path of its entry point. `dist/` is the build output of the
 * project, so the compiled files find `node_modules` as the sample does.
 */
export async function buildSample(outDir = 'reliability-sample'): Promise<string> {
  const out = join(ROOT, 'dist', outDir);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.sample.json'), '--outDir', out], { cwd: ROOT });
  // what nest-cli.json's `assets` copies for `npm start`: the web pages the sample serves
  await cp(join(ROOT, 'sample', 'web', 'assets'), join(out, 'sample', 'web', 'assets'), { recursive: true });
  return join(out, 'sample', 'main.js');
}

/** The compiled sample, running as a child process. */
export interface SampleProcess {
  readonly child: ChildProcess;
  /** The SMTP port it listens on (it was started with port 0). */
  readonly port: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

/** Starts `main` with the Node.js running the tests, and waits until its SMTP server listens. */
export async function startSampleProcess(main: string, env: Record<string, string>): Promise<SampleProcess> {
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', SMTP_HOST: '127.0.0.1', SMTP_PORT: '0', HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const listening = /SMTP server "default" listening on [\d.]+:(\d+)/.exec(output);
    if (listening) return { child, port: Number(listening[1]), exited, output: () => output };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the sample did not start listening:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
