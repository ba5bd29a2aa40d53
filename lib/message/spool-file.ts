import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpoolReader } from './spool-reader.js';

/** Largest read back from the file at once. */
export const READ_CHUNK = 64 * 1024;

/**
 * The temporary file that holds a message's older bytes: written in order, read back by readers
 * that fall behind memory, removed with the message. Only this process can read it.
 */
export class SpoolFile {
  private readonly path: string;
  private readonly stream: WriteStream;
  /** Why the file could not be written; reading it back fails with it. */
  failure?: Error;

  /** `onError`: the file cannot be written, so the message fails. */
  constructor(directory: string, onError: (error: Error) => void) {
    this.path = join(directory, `nestjs-fumi-${process.pid}-${randomBytes(8).toString('hex')}.eml`);
    // The stream's own `write()` answer and `'drain'` go unheard: the spool paces the client by
    // the bytes it has handed over, so the stream's high-water mark has nothing left to say.
    this.stream = createWriteStream(this.path, { flags: 'wx', mode: 0o600 });
    this.stream.on('error', (error) => {
      this.failure = error;
      onError(error);
    });
  }

  /** Appends `chunk`; `written()` once it is in the file (writes complete in order). */
  write(chunk: Buffer, written: () => void): void {
    this.stream.write(chunk, (error) => {
      if (!error) written();
    });
  }

  /** Up to `length` bytes (at most `READ_CHUNK`) from `position`, through the reader's own handle. */
  async readAt(reader: SpoolReader, position: number, length: number): Promise<Buffer> {
    if (this.failure) throw this.failure;
    reader.handle ??= await open(this.path, 'r');
    const { bytesRead, buffer } = await reader.handle.read({
      buffer: Buffer.allocUnsafe(Math.min(READ_CHUNK, length)),
      position,
    });
    if (bytesRead === 0) throw new Error(`spool file ${this.path} ends before byte ${position}`);
    return bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }

  /** Drops what is still on its way to the file and deletes it. */
  async remove(): Promise<void> {
    const stream = this.stream;
    if (!stream.closed) await new Promise<void>((resolve) => stream.destroy().once('close', () => resolve()));
    await unlink(this.path).catch(() => undefined);
  }
}
