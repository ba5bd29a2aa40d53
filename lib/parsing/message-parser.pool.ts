import type { ParsedMail, SimpleParserOptions } from 'mailparser';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { ParserPoolBusyError } from './parser-pool-busy.error.js';
import { mailparserEntry, PARSER_WORKER_SOURCE } from './parser-worker.source.js';
import { reviveParsedMail, type ParserReply } from './parser-reply.js';

export interface MessageParserPoolOptions {
  /** Messages parsed at once, one worker thread each. Default: one less than the machine's cores, at least 1. */
  readonly workers?: number;
  /** Messages waiting for a worker before `parse()` fails with `ParserPoolBusyError`. Default: 16. */
  readonly queue?: number;
  /** A worker idle this long (ms) ends, and is started again when needed. Default: 30,000. */
  readonly idleTimeout?: number;
}

/** What a worker parses: a file it opens itself, or a stream the pool reads and sends on. */
export type ParserSource = { readonly path: string } | Readable;

export interface ParseJobOptions {
  /** mailparser's options; functions (`Iconv`, `formatDateString`) cannot cross to a worker. */
  readonly parser?: SimpleParserOptions;
  /** Which attachments come back with their content: all (default), none, or the one at this index. */
  readonly attachments?: 'all' | 'none' | number;
}

interface Job {
  readonly source: ParserSource;
  readonly options: ParseJobOptions;
  readonly resolve: (mail: ParsedMail) => void;
  readonly reject: (error: Error) => void;
}

/** Bytes sent to a worker and not yet taken by its parser, past which the pool stops reading. */
const IN_FLIGHT_BYTES = 1024 * 1024;

/**
 * Parses messages with mailparser in worker threads, so that a large or hostile message costs
 * a worker's time, never the event loop's that SMTP sessions and HTTP requests share. Bounded:
 * a fixed number of workers and of waiting messages, past which `parse()` fails at once with
 * `ParserPoolBusyError` (an HTTP route answers 503). Workers end when idle and never keep the
 * process alive.
 */
export class MessageParserPool {
  readonly size: number;
  private readonly queueLimit: number;
  private readonly idleTimeout: number;
  private readonly idle: Worker[] = [];
  private readonly waiting: Job[] = [];
  private running = 0;
  private nextId = 0;
  private closed = false;
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();

  constructor(options: MessageParserPoolOptions = {}) {
    this.size = options.workers ?? Math.max(1, availableParallelism() - 1);
    this.queueLimit = options.queue ?? 16;
    this.idleTimeout = options.idleTimeout ?? 30_000;
    for (const [name, value, least] of [['workers', this.size, 1], ['queue', this.queueLimit, 0], ['idleTimeout', this.idleTimeout, 0]] as const) {
      if (!Number.isInteger(value) || value < least) throw new RangeError(`MessageParserPool: ${name} must be an integer of at least ${least}, got ${value}`);
    }
  }

  /** Messages being parsed or waiting for a worker. */
  get pending(): number {
    return this.running + this.waiting.length;
  }

  /** Parses one message in a worker; fails with `ParserPoolBusyError` when the queue is full. */
  parse(source: ParserSource, options: ParseJobOptions = {}): Promise<ParsedMail> {
    if (this.closed) return Promise.reject(new Error('MessageParserPool is closed'));
    const crossing = Object.entries(options.parser ?? {}).find(([, value]) => typeof value === 'function');
    if (crossing) return Promise.reject(new TypeError(`mailparser's ${crossing[0]} option is a function and cannot be passed to a worker thread`));
    if (this.running >= this.size && this.waiting.length >= this.queueLimit) {
      if (!('path' in source)) source.destroy();
      return Promise.reject(new ParserPoolBusyError(this.waiting.length));
    }
    return new Promise<ParsedMail>((resolve, reject) => {
      this.waiting.push({ source, options, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every worker; waiting and running parses fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error('MessageParserPool is closed'));
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.waiting.length && this.running < this.size) {
      const job = this.waiting.shift()!;
      this.running++;
      this.run(this.take(), job);
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

  private run(worker: Worker, job: Job): void {
    const id = ++this.nextId;
    const stream = 'path' in job.source ? undefined : job.source;
    let inFlight = 0;
    let settled = false;
    const finish = (broken: boolean) => {
      settled = true;
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      stream?.off('data', onData).off('end', onEnd).off('error', onStreamError);
      stream?.destroy();
      this.running--;
      if (broken || this.closed) void worker.terminate();
      else this.park(worker);
      this.dispatch();
    };
    const onMessage = (reply: ParserReply) => {
      if (reply.id !== id || settled) return;
      if (reply.type === 'ack') {
        inFlight -= reply.bytes;
        if (inFlight < IN_FLIGHT_BYTES) stream?.resume();
        return;
      }
      finish(false);
      if (reply.type === 'done') job.resolve(reviveParsedMail(reply.mail));
      else job.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
    };
    const onError = (error: Error) => {
      if (settled) return;
      finish(true);
      job.reject(error);
    };
    const onExit = (code: number) => onError(new Error(`The parser worker stopped (exit code ${code})`));
    const onData = (data: Buffer | string) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      const copy = new Uint8Array(chunk.length);
      copy.set(chunk);
      inFlight += copy.length;
      worker.postMessage({ type: 'chunk', id, chunk: copy }, [copy.buffer]);
      if (inFlight >= IN_FLIGHT_BYTES) stream?.pause();
    };
    const onEnd = () => worker.postMessage({ type: 'end', id });
    const onStreamError = (error: Error) => worker.postMessage({ type: 'abort', id, reason: error.message });

    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    const { parser = {}, attachments = 'all' } = job.options;
    worker.postMessage({ type: 'job', id, path: stream ? undefined : (job.source as { path: string }).path, options: parser, keepAttachments: attachments });
    stream?.on('data', onData).on('end', onEnd).on('error', onStreamError);
  }

  private park(worker: Worker): void {
    this.idle.push(worker);
    const timer = setTimeout(() => {
      this.forget(worker);
      void worker.terminate();
    }, this.idleTimeout);
    timer.unref();
    this.idleTimers.set(worker, timer);
  }
}
