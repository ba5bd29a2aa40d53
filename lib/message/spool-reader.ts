import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { messageGone } from './spool-errors.js';
import { READ_CHUNK } from './spool-file.js';

/** One reader: where it is, and its own handle on the spool file, opened when it first falls behind memory. */
export interface SpoolReader {
  position: number;
  handle?: FileHandle;
  /** The stream is gone: a handle still being opened is closed as soon as it arrives. */
  closed?: boolean;
}

/** What a read stream needs of the spool it reads. */
export interface SpoolSource {
  /** Bytes kept so far. */
  readonly size: number;
  /** The first byte memory still holds; those before it are in the file. */
  readonly memoryStart: number;
  readonly finished: boolean;
  readonly error: Error | undefined;
  /** The in-memory bytes from `position` to the end of their chunk, or nothing once the spool is disposed. */
  fromMemory(position: number): Buffer | undefined;
  /** Bytes from `position`, which memory no longer has, read back from the file. */
  fromFile(reader: SpoolReader, position: number): Promise<Buffer>;
  /** A reader read on: bytes every reader has read may go. */
  readerMoved(): void;
  /** The stream of `reader` is gone. */
  readerClosed(reader: SpoolReader): void;
  onProgress(listener: () => void): void;
  offProgress(listener: () => void): void;
}

/**
 * A stream over the message for `reader`, from its position on: it follows the message as it
 * arrives, ends when the message is complete and fails if the message is cut short.
 */
export function openSpoolStream(source: SpoolSource, reader: SpoolReader): Readable {
  // The stream asks for more both by itself and after each push; one wait, one file read at a time.
  let waiting = false;
  let fetching = false;
  const wake = (): void => {
    waiting = false;
    pull();
  };
  const pull = (): void => {
    if (fetching) return;
    while (reader.position < source.size) {
      if (reader.position < source.memoryStart) {
        // fallen behind what memory keeps: read back from the file; the stream asks again
        fetching = true;
        source.fromFile(reader, reader.position).then(
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
      const chunk = source.fromMemory(reader.position);
      // Read after its transaction (by a handler past its timeout, say): the message is gone.
      if (!chunk) return void stream.destroy(messageGone());
      reader.position += chunk.length;
      source.readerMoved();
      if (!stream.push(chunk)) return;
    }
    if (source.error) return void stream.destroy(source.error);
    if (source.finished) return void stream.push(null);
    // caught up with the client: go on when more arrives
    if (!waiting) source.onProgress(wake);
    waiting = true;
  };
  const stream = new Readable({
    highWaterMark: READ_CHUNK,
    read: pull,
    destroy: (error, callback) => {
      if (waiting) source.offProgress(wake);
      source.readerClosed(reader);
      void closeReader(reader).then(() => callback(error));
    },
  });
  // A handler may drop a stream unread; a failure must not then become an uncaught 'error'.
  stream.on('error', () => undefined);
  return stream;
}

/** Closes the reader's file handle, if any, now or as soon as it has been opened. */
export function closeReader(reader: SpoolReader): Promise<void> {
  reader.closed = true;
  const handle = reader.handle;
  reader.handle = undefined;
  return handle ? handle.close().catch(() => undefined) : Promise.resolve();
}

/** Everything a reader gives, in one buffer. */
export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** A stream that fails at once, as a reader's own would: unheard, its error is not uncaught. */
export function failedStream(error: Error): Readable {
  const stream = new Readable({ read: () => undefined });
  stream.on('error', () => undefined);
  return stream.destroy(error);
}
