import { spawn, type ChildProcess } from 'node:child_process';

/** A program a test started, with what it printed, stopped by the test that started it. */
export interface RunningProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, for readiness checks and failure messages. */
  output(): string;
  /** Settles when the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `command` with its output captured (never inherited: tests stay quiet). */
export function startProcess(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `\n${error.message}`;
      resolve(null);
    });
  });
  const stop = async (graceMs = 5_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  return { child, output: () => output, exited, stop };
}

/** Waits until `ready()` holds, or fails with the process's output when it exits or takes too long. */
export async function waitUntilReady(running: RunningProcess, ready: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  void running.exited.then(() => (exited = true));
  while (!(await ready())) {
    if (exited) throw new Error(`process exited before it was ready:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`process not ready within ${ms} ms:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
