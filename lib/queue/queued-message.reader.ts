import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { QUEUE_MESSAGES } from './fumi-queue.messages.js';
import type { QueuedMessage } from './queued-message.interface.js';

/** Options of `openQueuedMessage()` and `readQueuedMessage()`. */
export interface ReadQueuedMessageOptions {
  /** Put the server's `Received:` header in front of the body, as an MTA stores mail. Default `true`. */
  withReceivedHeader?: boolean;
}

/**
 * Worker side: the queued message as a stream, its `Received:` header first, read from the job
 * or from the spool file. The body is checked against its SHA-256 on the way: the stream fails,
 * rather than ends, if it is damaged or missing.
 *
 * @example
 * new Worker<QueuedMessage>('fumi-inbound', async (job) => {
 *   await pipeline(openQueuedMessage(job.data), createWriteStream(`/var/mail/${job.data.messageId}.eml`));
 *   await discardQueuedMessage(job.data);
 * }, { connection });
 */
export function openQueuedMessage(message: QueuedMessage, options: ReadQueuedMessageOptions = {}): Readable {
  assertKnownFormat(message);
  const body = 'inline' in message.body ? Readable.from([Buffer.from(message.body.inline, 'base64')]) : createReadStream(message.body.path);
  const checked = body.pipe(new DigestCheck(message));
  body.once('error', (error: Error) => checked.destroy(error));
  if (options.withReceivedHeader === false) return checked;
  return Readable.from(withHeader(message.receivedHeader, checked));
}

/** Worker side: the whole queued message in memory (see `openQueuedMessage()`). */
export async function readQueuedMessage(message: QueuedMessage, options: ReadQueuedMessageOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of openQueuedMessage(message, options) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Worker side: removes the message's spool file once the worker has stored or delivered it
 * (nothing to do for a message inside its job). Safe to call twice.
 */
export async function discardQueuedMessage(message: QueuedMessage): Promise<void> {
  if ('path' in message.body) await unlink(message.body.path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

async function* withHeader(header: string, body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield Buffer.from(header, 'utf8');
  yield* body;
}

function assertKnownFormat(message: QueuedMessage): void {
  if ((message as { version?: unknown }).version !== 1) throw new TypeError(QUEUE_MESSAGES.unknownFormat((message as { version?: unknown }).version));
}

/** Passes the body through and fails at its end when its SHA-256 is not the one queued. */
class DigestCheck extends Transform {
  private readonly hash = createHash('sha256');

  constructor(private readonly message: QueuedMessage) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    callback(actual === this.message.sha256 ? null : new Error(QUEUE_MESSAGES.corrupt(this.message.messageId, this.message.sha256, actual)));
  }
}
