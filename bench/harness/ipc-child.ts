import { type ChildProcess, fork } from 'node:child_process';

/**
 * A Node child process spoken to over IPC, with typed messages in each direction. `next(type)`
 * waits for the child's next message of that type, failing if the child exits or stays silent
 * for longer than allowed, so no step of a benchmark can hang for ever.
 */
export class IpcChild<TOut extends { type: string }, TIn extends { type: string }> {
  private readonly inbox: TIn[] = [];
  private readonly waiters: { type: string; resolve(message: TIn): void; reject(error: Error): void }[] = [];
  private exited: Error | undefined;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: TIn) => this.deliver(message));
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${label} exited (${signal ?? `code ${code}`})`);
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.exited);
    });
  }

  /** Starts `script` with Node (the same binary as ours) and the given flags and arguments. */
  static start<TOut extends { type: string }, TIn extends { type: string }>(
    label: string,
    script: URL,
    args: readonly string[],
    execArgv: readonly string[] = [],
  ): IpcChild<TOut, TIn> {
    const child = fork(script, [...args], { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new IpcChild<TOut, TIn>(label, child);
  }

  send(message: TOut): void {
    if (this.child.connected) this.child.send(message);
  }

  next<T extends TIn['type']>(type: T, timeoutMs: number): Promise<Extract<TIn, { type: T }>> {
    const queued = this.inbox.findIndex((message) => message.type === type);
    if (queued !== -1) return Promise.resolve(this.inbox.splice(queued, 1)[0] as Extract<TIn, { type: T }>);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.label}: no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (message: TIn) => {
          clearTimeout(timer);
          resolve(message as Extract<TIn, { type: T }>);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once the child has exited; kills it if it has not within `graceMs`. */
  async stop(graceMs: number, farewell?: TOut): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (farewell) this.send(farewell);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private deliver(message: TIn): void {
    const index = this.waiters.findIndex((waiter) => waiter.type === message.type);
    if (index === -1) {
      this.inbox.push(message);
      return;
    }
    this.waiters.splice(index, 1)[0]!.resolve(message);
  }
}
