import type { ParsedMail } from 'mailparser';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParsedMailWithHtmlBytes, ParseJobOptions, ParserSource } from './parse-job-options.js';
import { isReadable, ParserJob } from './parser-job.js';
import { ParserPoolBusyError } from './parser-pool-busy.error.js';
import { ParserWorkerError } from './parser-worker.error.js';
import { mailparserEntry, PARSER_WORKER_SOURCE } from './parser-worker.source.js';

export type { ParsedMailWithHtmlBytes, ParseJobOptions, ParserSource } from './parse-job-options.js';

export interface MessageParserPoolOptions {
  /** Messages parsed at once, one worker thread each. Default: one less than the machine's cores, at least 1. */
  readonly workers?: number;
  /** Messages waiting for a worker before `parse()` fails with `ParserPoolBusyError`. Default: 16. */
  readonly queue?: number;
  /** A worker idle this long (ms) ends, and is started again when needed. Default: 30,000. */
  readonly idleTimeout?: number;
}

/**
 * Parses messages with mailparser in worker threads, so that a large or hostile message costs
 * a worker's time, never the event loop's that SMTP sessions and HTTP requests share. Bounded:
 * a fixed number of workers and of waiting messages, past which `parse()` fails at once with
 * `ParserPoolBusyError`. A worker's memory is not capped: Node's per-thread heap limit was seen
 * to abort the whole process instead of the thread, so bound what you parse by its size. Workers
 * end when idle and never keep the process alive; a stream given to `parse()` is always
 * destroyed once its parse is over.
 */
export class MessageParserPool {
  readonly size: number;
  private readonly queueLimit: number;
  private readonly idleTimeout: number;
  private readonly idle: Worker[] = [];
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();
  private readonly waiting: ParserJob[] = [];
  private readonly running = new Set<ParserJob>();
  private nextId = 0;
  private closed = false;

  constructor(options: MessageParserPoolOptions = {}) {
    this.size = options.workers ?? Math.max(1, availableParallelism() - 1);
    this.queueLimit = options.queue ?? 16;
    this.idleTimeout = options.idleTimeout ?? 30_000;
    const checks = [['workers', this.size, 1], ['queue', this.queueLimit, 0], ['idleTimeout', this.idleTimeout, 0]] as const;
    for (const [name, value, least] of checks) {
      if (!Number.isInteger(value) || value < least) throw new RangeError(`MessageParserPool: ${name} must be an integer of at least ${least}, got ${value}`);
    }
  }

  /** Messages being parsed or waiting for a worker. */
  get pending(): number {
    return this.running.size + this.waiting.length;
  }

  /** Parses one message in a worker; fails at once with `ParserPoolBusyError` when the queue is full. */
  parse(source: ParserSource, options: ParseJobOptions & { readonly htmlAs: 'buffer' }): Promise<ParsedMailWithHtmlBytes>;
  parse(source: ParserSource, options?: ParseJobOptions): Promise<ParsedMail>;
  parse(source: ParserSource, options: ParseJobOptions = {}): Promise<ParsedMail | ParsedMailWithHtmlBytes> {
    const refuse = (error: Error) => {
      if (isReadable(source)) source.destroy();
      return Promise.reject(error);
    };
    if (this.closed) return refuse(new ParserWorkerError('closed', 'MessageParserPool is closed'));
    const crossing = Object.entries(options.parser ?? {}).find(([, value]) => typeof value === 'function');
    if (crossing) return refuse(new TypeError(`mailparser's ${crossing[0]} option is a function and cannot be passed to a worker thread`));
    if (isReadable(source) && (source.destroyed || source.readableEnded)) {
      source.on('error', () => undefined); // an error it has yet to emit is this refusal's
      return Promise.reject(source.errored ?? new Error('The message stream was already read or closed'));
    }
    if (this.running.size >= this.size && this.waiting.length >= this.queueLimit) return refuse(new ParserPoolBusyError(this.waiting.length));
    return new Promise<ParsedMail>((resolve, reject) => {
      this.waiting.push(new ParserJob(source, options, { resolve, reject, over: this.over }));
      this.dispatch();
    });
  }

  /** Ends every worker: waiting and running parses fail with `ParserWorkerError('closed')`. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = () => new ParserWorkerError('closed', 'MessageParserPool is closed');
    for (const job of [...this.waiting, ...this.running]) job.fail(closing());
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }

  private readonly over = (job: ParserJob, worker: Worker | undefined, broken: boolean): void => {
    const queued = this.waiting.indexOf(job);
    if (queued >= 0) this.waiting.splice(queued, 1);
    this.running.delete(job);
    if (worker) {
      if (broken || this.closed) void worker.terminate();
      else this.park(worker);
    }
    this.dispatch();
  };

  private dispatch(): void {
    while (!this.closed && this.waiting.length && this.running.size < this.size) {
      const job = this.waiting.shift()!;
      let worker: Worker;
      try {
        worker = this.take();
      } catch (error) {
        job.fail(error as Error); // no thread could be started (the system refused one)
        continue;
      }
      this.running.add(job);
      worker.ref(); // a parse under way keeps the process alive; an idle thread does not
      job.start(worker, ++this.nextId);
    }
  }

  private take(): Worker {
    const worker = this.idle.pop();
    if (worker) {
      clearTimeout(this.idleTimers.get(worker));
      this.idleTimers.delete(worker);
      return worker;
    }
    const created = new Worker(PARSER_WORKER_SOURCE, { eval: true, workerData: { mailparser: mailparserEntry() } });
    created.unref();
    // a failure while idle must not become an unhandled 'error': the thread is simply dropped
    created.on('error', () => undefined);
    created.once('exit', () => this.forget(created));
    return created;
  }

  /** A worker that has ended (idle, or crashed while idle) is no longer handed out. */
  private forget(worker: Worker): void {
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
  }

  private park(worker: Worker): void {
    worker.unref();
    this.idle.push(worker);
    const timer = setTimeout(() => {
      this.forget(worker);
      void worker.terminate();
    }, this.idleTimeout);
    timer.unref();
    this.idleTimers.set(worker, timer);
  }
}
