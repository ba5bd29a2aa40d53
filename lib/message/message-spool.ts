import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface MessageSpoolOptions {
  /** Bytes of the message kept in memory, the newest ones; older bytes move to a file. */
  readonly threshold: number;
  /**
   * Where spool files go; `false`: no file, and past `threshold` the bytes every open reader
   * has read are let go, so only readers opened before that can read the message whole.
   */
  readonly directory: string | false;
  /** The server's size limit: bytes beyond it are counted but not kept. */
  readonly maxBytes: number;
  /**
   * Without a file: how long the client may be held back with no reader reading on before the
   * message fails (the data handlers' timeout). Default: no limit.
   */
  readonly stallTimeout?: number;
}

const READ_CHUNK = 64 * 1024;
/**
 * Bytes on their way to the file before the writer is asked to wait, so that the disk works
 * behind the readers; a wider window is faster on large messages but costs that much memory.
 */
const WRITE_BEHIND_BYTES = 2 * 1024 * 1024;
/**
 * The writer goes on once the file is this far behind, not only once it has caught up, so that
 * a large message does not stop the client at every chunk.
 */
const RESUME_BELOW_BYTES = WRITE_BEHIND_BYTES / 2;

/**
 * One message, received once and readable many times: several `@OnData` handlers can each
 * stream it, buffer it or parse it while it is still arriving.
 *
 * Without a directory there is no file: memory still keeps the newest `threshold` bytes, and
 * older ones stay only until every open reader has read them (a reader that falls behind holds
 * the client back instead). A message is then read once as it arrives, as smtp-server gives
 * it, without the disk's cost; a reader opened once its first bytes are gone fails.
 *
 * The receiving side pushes bytes with `write()` and stops when it returns `false` until
 * `onDrain()`, which keeps smtp-server's backpressure intact. Memory keeps the newest
 * `threshold` bytes; only bytes older than that go to a private temporary file, so a message
 * that fits never touches the disk, memory stays flat whatever the size, and a reader keeping
 * pace with the client (the usual single handler) reads from memory while the file is only read
 * back by readers that fall behind or start late. `dispose()` removes the file.
 */
export class MessageSpool {
  private readonly events = new EventEmitter();
  /** The bytes from `chunksStart` on; those before it are in the file. */
  private chunks: Buffer[] = [];
  private chunksStart = 0;
  private chunksBytes = 0;
  /** The oldest chunks already handed to the file: they leave memory once written. */
  private chunksWriting = 0;
  private bytesWriting = 0;
  private file?: WriteStream;
  private path?: string;
  private fileFailure?: Error;
  /** Without a file: where each open reader is, so that what they have all read can go. */
  private readonly readers = new Set<SpoolReader>();
  private readerOpened = false;
  private length = 0;
  private finished = false;
  private failure?: Error;
  private disposed = false;
  private settle!: () => void;
  /** Settles when the source has ended or failed: the whole message is in (or never will be). */
  readonly done = new Promise<void>((resolve) => (this.settle = resolve));
  /** Without a file: fails the message if the client stays held back with no reader reading on. */
  private stall?: NodeJS.Timeout;

  constructor(private readonly options: MessageSpoolOptions) {
    this.events.setMaxListeners(0);
  }

  /** Bytes kept so far (at most the size limit). */
  get size(): number {
    return this.length;
  }

  /** The error that cut the message short, e.g. the client went away mid-DATA. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * Takes the next bytes of the message. `false` asks the writer to wait for `onDrain()`: the
   * file is too far behind.
   */
  write(chunk: Buffer): boolean {
    if (this.finished) return true;
    // Disposed: the handlers are done with it, and what is left is only drained. A stream still
    // open (a handler past its timeout, an upload left running) must not end as if it had it all.
    if (this.disposed) {
      this.finish(messageGone());
      return true;
    }
    const room = this.options.maxBytes - this.length;
    if (room <= 0) return true; // oversized: smtp-server refuses it; keep nothing more
    const kept = room < chunk.length ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.chunksBytes += kept.length;
    this.length += kept.length;
    if (this.options.directory === false) this.letReadBytesGo();
    else this.moveOldToFile();
    this.events.emit('progress');
    if (this.backlog() <= WRITE_BEHIND_BYTES) return true;
    this.watchForStall();
    return false;
  }

  /** Calls `listener` once the file, or the slowest reader, has caught up enough for `write()` to go on. */
  onDrain(listener: () => void): void {
    if (this.backlog() <= RESUME_BELOW_BYTES || this.fileFailure || this.disposed) return listener();
    this.events.once('drain', listener);
  }

  /** The message is complete. */
  end(): void {
    this.finish();
  }

  /** The message was cut short (or refused): every reader fails with `error`. */
  fail(error: Error): void {
    this.finish(error);
  }

  /**
   * A new stream over the message from its first byte. It follows the message as it arrives,
   * ends when the message is complete and fails if the message is cut short.
   */
  createReadStream(): Readable {
    const reader: SpoolReader = { position: 0 };
    if (this.options.directory === false) {
      if (this.chunksStart > 0) return failedStream(readTooLate(this.chunksStart));
      this.readers.add(reader);
      this.readerOpened = true;
    }
    // The stream asks for more both by itself and after each push; one wait, one file read at a time.
    let waiting = false;
    let fetching = false;
    const wake = (): void => {
      waiting = false;
      pull();
    };
    const pull = (): void => {
      if (fetching) return;
      while (reader.position < this.length) {
        if (reader.position < this.chunksStart) {
          // fallen behind what memory keeps: read back from the file; the stream asks again
          fetching = true;
          this.fromFile(reader, reader.position).then(
            (chunk) => {
              fetching = false;
              if (reader.closed) return void closeReader(reader); // destroyed while reading
              reader.position += chunk.length;
              stream.push(chunk);
            },
            (error: Error) => {
              fetching = false;
              if (reader.closed) return void closeReader(reader);
              stream.destroy(error);
            },
          );
          return;
        }
        const chunk = this.fromMemory(reader.position);
        // Read after its transaction (by a handler past its timeout, say): the message is gone.
        if (!chunk) return void stream.destroy(messageGone());
        reader.position += chunk.length;
        if (this.readers.size) this.letReadBytesGo();
        if (!stream.push(chunk)) return;
      }
      if (this.failure) return void stream.destroy(this.failure);
      if (this.finished) return void stream.push(null);
      // caught up with the client: go on when more arrives
      if (!waiting) this.events.once('progress', wake);
      waiting = true;
    };
    const stream = new Readable({
      highWaterMark: READ_CHUNK,
      read: pull,
      destroy: (error, callback) => {
        if (waiting) this.events.off('progress', wake);
        if (this.readers.delete(reader)) this.letReadBytesGo();
        void closeReader(reader).then(() => callback(error));
      },
    });
    // A handler may drop a stream unread; a failure must not then become an uncaught 'error'.
    stream.on('error', () => undefined);
    return stream;
  }

  /** The whole message in memory. Waits for it to be complete. */
  async buffer(): Promise<Buffer> {
    // Without a file, only a reader opened now keeps the bytes it has not read yet.
    if (this.options.directory === false && !(this.finished && this.chunksStart === 0)) return collect(this.createReadStream());
    await this.done;
    if (this.failure) throw this.failure;
    // memory already let go (asked by a handler past its timeout, say)
    if (this.disposed) throw messageGone();
    if (!this.path) return Buffer.concat(this.chunks, this.length);
    return collect(this.createReadStream());
  }

  /** Removes the spool file once the source is finished. Safe to call more than once. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.stall);
    // A client held back for a reader that will read no more goes on: the rest is drained.
    this.events.emit('drain');
    await this.done;
    this.chunks = [];
    this.chunksBytes = 0;
    this.chunksWriting = 0;
    this.bytesWriting = 0;
    const file = this.file;
    if (!file) return;
    // what is still on its way to the file is of no use any more
    if (!file.closed) await new Promise<void>((resolve) => file.destroy().once('close', () => resolve()));
    await unlink(this.path!).catch(() => undefined);
  }

  private finish(error?: Error): void {
    if (this.finished) return;
    clearTimeout(this.stall);
    this.finished = true;
    this.failure = error;
    this.events.emit('progress');
    // failed: what is left of the message is only drained, whoever was holding the client back
    if (error) this.events.emit('drain');
    this.settle();
  }

  /** Bytes held back beyond `threshold`: waiting for the file, or for the slowest reader. */
  private backlog(): number {
    return this.options.directory === false ? this.chunksBytes - this.options.threshold : this.bytesWriting;
  }

  /**
   * Without a file: lets the oldest chunks beyond the newest `threshold` bytes go once every open
   * reader has read them. Nothing goes before the first reader opens: the handler taking it may
   * still be on its way (behind an asynchronous guard, say).
   */
  private letReadBytesGo(): void {
    if (!this.readerOpened) return;
    let slowest = Number.POSITIVE_INFINITY;
    for (const reader of this.readers) slowest = Math.min(slowest, reader.position);
    let released = false;
    while (this.chunks.length && this.chunksBytes > this.options.threshold) {
      const oldest = this.chunks[0]!;
      if (this.chunksStart + oldest.length > slowest) break;
      this.chunks.shift();
      this.chunksStart += oldest.length;
      this.chunksBytes -= oldest.length;
      released = true;
    }
    if (!released) return;
    // the readers read on: a slow one is not a stalled one
    clearTimeout(this.stall);
    this.stall = undefined;
    if (this.backlog() <= RESUME_BELOW_BYTES) this.events.emit('drain');
  }

  /**
   * Without a file, a message cannot all arrive before it is read: a handler awaiting the whole
   * of it first (`ctx.received()`), or a stream opened and never read, would hold the client for
   * ever. Held back with no reader reading on for `stallTimeout`, the message fails instead.
   */
  private watchForStall(): void {
    const ms = this.options.stallTimeout;
    if (this.options.directory !== false || ms === undefined || this.stall) return;
    this.stall = setTimeout(() => this.finish(stalled(ms)), ms);
    this.stall.unref();
  }

  /** Hands the oldest chunks beyond the newest `threshold` bytes to the file. */
  private moveOldToFile(): void {
    if (this.disposed) return;
    while (this.chunksBytes - this.bytesWriting > this.options.threshold && this.chunksWriting < this.chunks.length) {
      const chunk = this.chunks[this.chunksWriting++]!;
      this.bytesWriting += chunk.length;
      (this.file ??= this.openFile()).write(chunk, (error) => {
        if (!error) this.forgetOldest();
      });
    }
  }

  /** A file only this process can read; it fails the message if it cannot be written. */
  private openFile(): WriteStream {
    this.path = join(this.options.directory as string, `nestjs-fumi-${process.pid}-${randomBytes(8).toString('hex')}.eml`);
    // The stream's own `write()` answer and `'drain'` go unheard: the spool paces the client by
    // `bytesWriting`, so the stream's high-water mark has nothing left to say.
    const file = createWriteStream(this.path, { flags: 'wx', mode: 0o600 });
    file.on('error', (error) => {
      // Without its file the message can neither be read back nor kept out of memory: it fails
      // (its handlers get the error, the client a 451), and the rest of it is only drained.
      this.fileFailure = error;
      this.finish(error);
      this.events.emit('drain');
    });
    return file;
  }

  /** The oldest chunk is in the file now (writes complete in order): memory can let it go. */
  private forgetOldest(): void {
    const oldest = this.chunks.shift();
    if (!oldest) return; // disposed meanwhile
    this.chunksWriting--;
    this.bytesWriting -= oldest.length;
    this.chunksBytes -= oldest.length;
    this.chunksStart += oldest.length;
    if (this.bytesWriting <= RESUME_BELOW_BYTES) this.events.emit('drain');
  }

  /** Bytes from `position`, which memory no longer has, read back from the file. */
  private async fromFile(reader: SpoolReader, position: number): Promise<Buffer> {
    if (this.fileFailure) throw this.fileFailure;
    reader.handle ??= await open(this.path!, 'r');
    const { bytesRead, buffer } = await reader.handle.read({
      buffer: Buffer.allocUnsafe(Math.min(READ_CHUNK, this.chunksStart - position)),
      position,
    });
    if (bytesRead === 0) throw new Error(`spool file ${this.path} ends before byte ${position}`);
    return bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }

  /**
   * The in-memory bytes from `position` up to the end of the chunk holding it (no copy), or
   * nothing once the spool is disposed and its memory let go.
   */
  private fromMemory(position: number): Buffer | undefined {
    let offset = this.chunksStart;
    for (const chunk of this.chunks) {
      const end = offset + chunk.length;
      if (end > position) return offset === position ? chunk : chunk.subarray(position - offset);
      offset = end;
    }
    return undefined;
  }
}

/** One reader: where it is, and its own handle on the spool file, opened when it first falls behind memory. */
interface SpoolReader {
  position: number;
  handle?: FileHandle;
  /** The stream is gone: a handle still being opened is closed as soon as it arrives. */
  closed?: boolean;
}

function closeReader(reader: SpoolReader): Promise<void> {
  reader.closed = true;
  const handle = reader.handle;
  reader.handle = undefined;
  return handle ? handle.close().catch(() => undefined) : Promise.resolve();
}

/** Everything a reader gives, in one buffer. */
async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** A stream that fails at once, as a reader's own would: unheard, its error is not uncaught. */
function failedStream(error: Error): Readable {
  const stream = new Readable({ read: () => undefined });
  stream.on('error', () => undefined);
  return stream.destroy(error);
}

/** What a reader of a message whose transaction is over gets. */
function messageGone(): Error {
  return new Error('the message is gone: its transaction is over');
}

function stalled(ms: number): Error {
  return new Error(
    `with spoolDirectory: false the message waits on its readers, and none read on for ${ms} ms ` +
      '(read the streams as the message arrives, together, and await ctx.received() or buffer() only after)',
  );
}

/** What a reader opened too late gets, without a spool file. */
function readTooLate(gone: number): Error {
  return new Error(
    `the message's first ${gone} bytes are gone: with spoolDirectory: false, a message past spoolThreshold ` +
      'can only be read by streams opened before its older bytes were read (open ctx.stream, buffer() and parse() first, or set a spoolDirectory)',
  );
}
