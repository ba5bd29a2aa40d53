import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface MessageSpoolOptions {
  /** Bytes kept in memory before the message moves to a file. */
  readonly threshold: number;
  /** Where spool files go. */
  readonly directory: string;
  /** The server's size limit: bytes beyond it are counted but not kept. */
  readonly maxBytes: number;
}

const READ_CHUNK = 64 * 1024;
/**
 * Once spooled to a file, the newest bytes also stay in memory up to this much, so that a reader
 * keeping pace with the client (the usual single handler) is served from memory and the file is
 * only read back by readers that fall behind or start late.
 */
const RECENT_BYTES = 1024 * 1024;

/**
 * One message, received once and readable many times: several `@OnData` handlers can each
 * stream it, buffer it or parse it while it is still arriving.
 *
 * Small messages stay in memory; past `threshold` the bytes go to a private temporary file, so
 * memory stays flat whatever the size. Consuming the source as fast as the disk takes it keeps
 * smtp-server's backpressure intact. `dispose()` removes the file once the transaction is over.
 */
export class MessageSpool {
  private readonly progress = new EventEmitter();
  /** All bytes in memory mode; the newest ones (from `chunksStart`) once spilled to a file. */
  private chunks: Buffer[] = [];
  private chunksStart = 0;
  private chunksBytes = 0;
  private file?: FileHandle;
  private path?: string;
  private length = 0;
  private finished = false;
  private failure?: Error;
  private disposed = false;
  /** Settles when the source has ended or failed: the whole message is in (or never will be). */
  readonly done: Promise<void>;

  constructor(
    source: AsyncIterable<Buffer>,
    private readonly options: MessageSpoolOptions,
  ) {
    this.progress.setMaxListeners(0);
    this.done = this.consume(source);
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
   * A new stream over the message from its first byte. It follows the message as it arrives,
   * ends when the message is complete and fails if the message is cut short.
   */
  createReadStream(): Readable {
    const stream = Readable.from(this.read(), { objectMode: false });
    // A handler may drop a stream unread; a failure must not then become an uncaught 'error'.
    stream.on('error', () => undefined);
    return stream;
  }

  /** The whole message in memory. Waits for it to be complete. */
  async buffer(): Promise<Buffer> {
    await this.done;
    if (this.failure) throw this.failure;
    if (!this.path) return Buffer.concat(this.chunks, this.length);
    return readFile(this.path);
  }

  /** Removes the spool file once the source is finished. Safe to call more than once. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.done;
    this.chunks = [];
    this.chunksBytes = 0;
    await this.file?.close().catch(() => undefined);
    if (this.path) await unlink(this.path).catch(() => undefined);
  }

  private async consume(source: AsyncIterable<Buffer>): Promise<void> {
    try {
      for await (const chunk of source) {
        const room = this.options.maxBytes - this.length;
        if (room <= 0) continue; // oversized: smtp-server refuses it; keep nothing more
        await this.append(room < chunk.length ? chunk.subarray(0, room) : chunk);
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.finished = true;
      this.progress.emit('progress');
    }
  }

  private async append(chunk: Buffer): Promise<void> {
    if (!this.file && this.length + chunk.length > this.options.threshold && !this.disposed) {
      await this.spill();
    }
    if (this.file) await this.file.write(chunk);
    this.chunks.push(chunk);
    this.chunksBytes += chunk.length;
    this.length += chunk.length;
    if (this.file) this.forgetOld();
    this.progress.emit('progress');
  }

  /** Moves what is in memory to a file only this process can read, and writes there from now on. */
  private async spill(): Promise<void> {
    const path = join(this.options.directory, `nestjs-fumi-${process.pid}-${randomBytes(8).toString('hex')}.eml`);
    const file = await open(path, 'wx+', 0o600);
    for (const chunk of this.chunks) await file.write(chunk);
    // Readers switch to the file only now that it holds everything the memory held.
    this.file = file;
    this.path = path;
    this.forgetOld();
  }

  private async *read(): AsyncGenerator<Buffer> {
    let position = 0;
    let reader: FileHandle | undefined;
    try {
      for (;;) {
        if (position < this.length) {
          const chunk =
            this.path && position < this.chunksStart
              ? await this.fromFile((reader ??= await open(this.path, 'r')), position)
              : this.fromMemory(position);
          position += chunk.length;
          yield chunk;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.finished) return;
        await once(this.progress, 'progress');
      }
    } finally {
      await reader?.close();
    }
  }

  private async fromFile(reader: FileHandle, position: number): Promise<Buffer> {
    const { bytesRead, buffer } = await reader.read({
      buffer: Buffer.allocUnsafe(Math.min(READ_CHUNK, this.length - position)),
      position,
    });
    return bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }

  /** Drops the oldest in-memory chunks beyond the recent window; the file has them. */
  private forgetOld(): void {
    while (this.chunks.length > 1 && this.chunksBytes - this.chunks[0]!.length >= RECENT_BYTES) {
      const oldest = this.chunks.shift()!;
      this.chunksBytes -= oldest.length;
      this.chunksStart += oldest.length;
    }
  }

  /** The in-memory bytes from `position` up to the end of the chunk holding it (no copy). */
  private fromMemory(position: number): Buffer {
    let offset = this.chunksStart;
    for (const chunk of this.chunks) {
      const end = offset + chunk.length;
      if (end > position) return offset === position ? chunk : chunk.subarray(position - offset);
      offset = end;
    }
    return Buffer.alloc(0);
  }
}
