import type { ParsedMail } from 'mailparser';
import type { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { reviveParsedMail, type ParserReply } from './parser-reply.js';
import { ParserWorkerError } from './parser-worker.error.js';
import type { ParseJobOptions } from './parse-job-options.js';

/** Bytes sent to a worker and not yet taken by its parser, past which the job stops reading its stream. */
const IN_FLIGHT_BYTES = 1024 * 1024;

/**
 * One message to parse, from the moment it is queued until it settles once. A stream source is
 * watched from the start: if it fails or closes before its end, queued or running, the job fails
 * with the stream's own error (a `ClientDisconnectedException` stays one). Whatever happens, the
 * stream is destroyed and the worker handed back, or ended if it may be in a bad state.
 */
export class ParserJob {
  private worker?: Worker;
  private id = 0;
  private inFlight = 0;
  private settled = false;
  private readonly stream?: Readable;

  constructor(
    private readonly source: { readonly path: string } | Readable,
    private readonly options: ParseJobOptions,
    private readonly callbacks: {
      readonly resolve: (mail: ParsedMail) => void;
      readonly reject: (error: Error) => void;
      /** The job is over: `worker` (if it had one) can take another job unless `broken`. */
      readonly over: (job: ParserJob, worker: Worker | undefined, broken: boolean) => void;
    },
  ) {
    if (!isReadable(source)) return;
    this.stream = source;
    source.on('error', this.onStreamError).on('close', this.onStreamClose);
  }

  /** Sends the job to `worker`; `id` tells its replies from those of jobs before it. */
  start(worker: Worker, id: number): void {
    if (this.settled) return this.callbacks.over(this, worker, false);
    this.worker = worker;
    this.id = id;
    worker.on('message', this.onReply).on('error', this.onWorkerError).on('exit', this.onWorkerExit);
    const { parser = {}, attachments = 'all', omit = [], htmlAs = 'string' } = this.options;
    const path = this.stream ? undefined : (this.source as { path: string }).path;
    try {
      worker.postMessage({ type: 'job', id, path, options: parser, keepAttachments: attachments, omit, htmlAs });
    } catch (error) {
      return this.fail(error as Error); // options that cannot be cloned
    }
    // resumed too: a stream its owner had paused would otherwise never flow
    this.stream?.on('data', this.onData).on('end', this.onEnd).resume();
  }

  /** Fails the job (a stream error, the pool closing); a running worker is ended, since it is mid-parse. */
  fail(error: Error): void {
    this.settle(true, () => this.callbacks.reject(error));
  }

  private settle(broken: boolean, report: () => void): void {
    if (this.settled) return;
    this.settled = true;
    this.worker?.off('message', this.onReply).off('error', this.onWorkerError).off('exit', this.onWorkerExit);
    this.stream?.off('data', this.onData).off('end', this.onEnd).off('close', this.onStreamClose);
    this.stream?.destroy();
    try {
      this.callbacks.over(this, this.worker, broken && this.worker !== undefined);
    } finally {
      report();
    }
  }

  private readonly onReply = (reply: ParserReply) => {
    if (reply.id !== this.id) return;
    if (reply.type === 'ack') {
      this.inFlight -= reply.bytes;
      if (this.inFlight < IN_FLIGHT_BYTES) this.stream?.resume();
    } else if (reply.type === 'done') {
      this.settle(false, () => this.callbacks.resolve(reviveParsedMail(reply.mail)));
    } else {
      const error = Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code });
      this.settle(false, () => this.callbacks.reject(error));
    }
  };

  private readonly onWorkerError = (error: Error) => this.fail(new ParserWorkerError('exited', `The parser thread failed: ${error.message}`));

  private readonly onWorkerExit = (code: number) => this.fail(new ParserWorkerError('exited', `The parser thread stopped (exit code ${code})`));

  private readonly onData = (data: Buffer | string) => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    const copy = new Uint8Array(chunk.length);
    copy.set(chunk);
    this.inFlight += copy.length;
    this.worker!.postMessage({ type: 'chunk', id: this.id, chunk: copy }, [copy.buffer]);
    if (this.inFlight >= IN_FLIGHT_BYTES) this.stream!.pause();
  };

  private readonly onEnd = () => this.worker!.postMessage({ type: 'end', id: this.id });

  private readonly onStreamError = (error: Error) => this.fail(error);

  private readonly onStreamClose = () => {
    if (!this.stream!.readableEnded) this.fail(this.stream!.errored ?? new Error('The message stream closed before its end'));
  };
}

/** A stream, as opposed to `{ path }` (an `fs.ReadStream` has a `path` too). */
export function isReadable(source: unknown): source is Readable {
  return typeof (source as Readable | undefined)?.pipe === 'function' && typeof (source as Readable).on === 'function';
}
