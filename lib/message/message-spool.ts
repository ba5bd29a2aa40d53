import type { Readable } from 'node:stream';
import { messageGone, readTooLate, stalled } from './spool-errors.js';
import { SpoolFile } from './spool-file.js';
import { Waiters } from './waiters.js';
import { collect, failedStream, openSpoolStream, type SpoolReader, type SpoolSource } from './spool-reader.js';

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
 * Most bytes past `threshold` gathered before they go to the file (a quarter of `threshold` when
 * that is less): a file costs a create and an unlink whatever it holds, so a message just past
 * the threshold keeps its few extra bytes in memory. It must stay below `RESUME_BELOW_BYTES`, or
 * a writer held back could wait for a file that has nothing left to write.
 */
const SPILL_BYTES = 256 * 1024;
const DISPOSED = Promise.resolve();

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
export class MessageSpool implements SpoolSource {
  /** Readers waiting for more of the message, or for its end. */
  private readonly progress = new Waiters();
  /** A writer held back, waiting to go on. */
  private readonly drain = new Waiters();
  /** The bytes from `chunksStart` on; those before it are in the file. */
  private chunks: Buffer[] = [];
  private chunksStart = 0;
  private chunksBytes = 0;
  /** The oldest chunks already handed to the file: they leave memory once written. */
  private chunksWriting = 0;
  private bytesWriting = 0;
  private file?: SpoolFile;
  /** Without a file: where each open reader is, so that what they have all read can go. */
  private readonly readers = new Set<SpoolReader>();
  private readerOpened = false;
  private length = 0;
  private ended = false;
  private failure?: Error;
  private disposed = false;
  private settle!: () => void;
  /** Settles when the source has ended or failed: the whole message is in (or never will be). */
  readonly done = new Promise<void>((resolve) => (this.settle = resolve));
  /** Without a file: fails the message if the client stays held back with no reader reading on. */
  private stall?: NodeJS.Timeout;
  /** Bytes past `threshold` that make it worth opening the file. */
  private readonly spillBytes: number;

  constructor(private readonly options: MessageSpoolOptions) {
    this.spillBytes = Math.min(SPILL_BYTES, RESUME_BELOW_BYTES / 2, options.threshold / 4);
  }

  /** Bytes kept so far (at most the size limit). */
  get size(): number {
    return this.length;
  }

  /** The error that cut the message short, e.g. the client went away mid-DATA. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** The source has ended or failed: the message is all in, or never will be. */
  get finished(): boolean {
    return this.ended;
  }

  /** The first byte memory still holds; those before it are in the file, or gone without one. */
  get memoryStart(): number {
    return this.chunksStart;
  }

  /**
   * Takes the next bytes of the message. `false` asks the writer to wait for `onDrain()`: the
   * file is too far behind.
   */
  write(chunk: Buffer): boolean {
    if (this.ended) return true;
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
    this.progress.wake();
    if (this.backlog() <= WRITE_BEHIND_BYTES) return true;
    this.watchForStall();
    return false;
  }

  /** Calls `listener` once the file, or the slowest reader, has caught up enough for `write()` to go on. */
  onDrain(listener: () => void): void {
    if (this.backlog() <= RESUME_BELOW_BYTES || this.file?.failure || this.disposed) return listener();
    this.drain.add(listener);
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
    return openSpoolStream(this, reader);
  }

  /** @internal for its streams: a reader read on. */
  readerMoved(): void {
    if (this.readers.size) this.letReadBytesGo();
  }

  /** @internal for its streams: a reader's stream is gone. */
  readerClosed(reader: SpoolReader): void {
    if (this.readers.delete(reader)) this.letReadBytesGo();
  }

  /** @internal for its streams: more of the message has arrived, or it has ended. */
  onProgress(listener: () => void): void {
    this.progress.add(listener);
  }

  /** @internal */
  offProgress(listener: () => void): void {
    this.progress.remove(listener);
  }

  /** The whole message in memory. Waits for it to be complete. */
  async buffer(): Promise<Buffer> {
    // Without a file, only a reader opened now keeps the bytes it has not read yet.
    if (this.options.directory === false && !(this.ended && this.chunksStart === 0)) return collect(this.createReadStream());
    await this.done;
    if (this.failure) throw this.failure;
    // memory already let go (asked by a handler past its timeout, say)
    if (this.disposed) throw messageGone();
    if (!this.file) return Buffer.concat(this.chunks, this.length);
    return collect(this.createReadStream());
  }

  /** Removes the spool file once the source is finished. Safe to call more than once. */
  dispose(): Promise<void> {
    if (this.disposed) return DISPOSED;
    this.disposed = true;
    clearTimeout(this.stall);
    // A client held back for a reader that will read no more goes on: the rest is drained.
    this.drain.wake();
    // The usual end: the message is in and never needed a file.
    if (this.ended && !this.file) {
      this.letMemoryGo();
      return DISPOSED;
    }
    return this.done.then(() => {
      this.letMemoryGo();
      // what is still on its way to the file is of no use any more
      return this.file?.remove();
    });
  }

  private letMemoryGo(): void {
    this.chunks = [];
    this.chunksBytes = 0;
    this.chunksWriting = 0;
    this.bytesWriting = 0;
  }

  private finish(error?: Error): void {
    if (this.ended) return;
    clearTimeout(this.stall);
    this.ended = true;
    this.failure = error;
    this.progress.wake();
    // failed: what is left of the message is only drained, whoever was holding the client back
    if (error) this.drain.wake();
    this.settle();
  }

  /**
   * Bytes held back beyond `threshold`: gathering for the file or on their way to it, or waiting
   * for the slowest reader.
   */
  private backlog(): number {
    return this.chunksBytes - this.options.threshold;
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
    if (this.backlog() <= RESUME_BELOW_BYTES) this.drain.wake();
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

  /** Hands the oldest chunks beyond the newest `threshold` bytes to the file, once there are `spillBytes` of them. */
  private moveOldToFile(): void {
    if (this.disposed || this.chunksBytes - this.bytesWriting - this.options.threshold < this.spillBytes) return;
    while (this.chunksBytes - this.bytesWriting > this.options.threshold && this.chunksWriting < this.chunks.length) {
      const chunk = this.chunks[this.chunksWriting++]!;
      this.bytesWriting += chunk.length;
      (this.file ??= this.openFile()).write(chunk, () => this.forgetOldest());
    }
  }

  /** The spool file; a message whose file cannot be written fails. */
  private openFile(): SpoolFile {
    return new SpoolFile(this.options.directory as string, (error) => {
      // Without its file the message can neither be read back nor kept out of memory: it fails
      // (its handlers get the error, the client a 451), and the rest of it is only drained.
      this.finish(error);
      this.drain.wake();
    });
  }

  /** The oldest chunk is in the file now (writes complete in order): memory can let it go. */
  private forgetOldest(): void {
    const oldest = this.chunks.shift();
    if (!oldest) return; // disposed meanwhile
    this.chunksWriting--;
    this.bytesWriting -= oldest.length;
    this.chunksBytes -= oldest.length;
    this.chunksStart += oldest.length;
    if (this.backlog() <= RESUME_BELOW_BYTES) this.drain.wake();
  }

  /** @internal Bytes from `position`, which memory no longer has, read back from the file. */
  async fromFile(reader: SpoolReader, position: number): Promise<Buffer> {
    return this.file!.readAt(reader, position, this.chunksStart - position);
  }

  /**
   * @internal The in-memory bytes from `position` up to the end of the chunk holding it (no copy), or
   * nothing once the spool is disposed and its memory let go.
   */
  fromMemory(position: number): Buffer | undefined {
    let offset = this.chunksStart;
    for (const chunk of this.chunks) {
      const end = offset + chunk.length;
      if (end > position) return offset === position ? chunk : chunk.subarray(position - offset);
      offset = end;
    }
    return undefined;
  }
}
