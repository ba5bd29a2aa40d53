import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSpool } from '../lib/message/message-spool.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** 64 KiB chunks that differ from each other, so that a chunk lost or repeated shows. */
const chunk = (index: number) => Buffer.alloc(64 * KiB, index % 251);

/** `count` more chunks into `spool`, waiting whenever it asks the writer to, as the server does. */
async function writeChunks(spool: MessageSpool, written: Buffer[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const next = chunk(written.length);
    written.push(next);
    if (!spool.write(next)) await new Promise<void>((resume) => spool.onDrain(resume));
  }
}

describe('MessageSpool', () => {
  let directory: string;
  beforeEach(async () => (directory = await mkdtemp(join(tmpdir(), 'fumi-spool-spec-'))));
  afterEach(() => rm(directory, { recursive: true, force: true }));

  it('lets at most 2 MiB wait for the disk before it asks the client to wait, and loses nothing', async () => {
    const threshold = 256 * KiB;
    const spool = new MessageSpool({ threshold, directory, maxBytes: 64 * MiB });
    const written: Buffer[] = [];
    // written in one go, without giving the file a turn to catch up
    while (written.length < 200) {
      const next = chunk(written.length);
      written.push(next);
      if (!spool.write(next)) break;
    }
    const waitingForDisk = written.length * 64 * KiB - threshold;
    expect(waitingForDisk).toBeGreaterThan(2 * MiB);
    expect(waitingForDisk).toBeLessThanOrEqual(2 * MiB + 64 * KiB);

    await new Promise<void>((resume) => spool.onDrain(resume));
    await writeChunks(spool, written, 40);
    spool.end();
    expect((await spool.buffer()).equals(Buffer.concat(written))).toBe(true);
    expect(await readdir(directory)).toHaveLength(1);
    await spool.dispose();
    expect(await readdir(directory)).toHaveLength(0);
  });

  it('creates no file for a message less than 256 KiB past the threshold, and one once it is', async () => {
    const threshold = 1 * MiB;
    const spool = new MessageSpool({ threshold, directory, maxBytes: 64 * MiB });
    const written: Buffer[] = [];
    await writeChunks(spool, written, 16 + 3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await readdir(directory)).toHaveLength(0);
    await writeChunks(spool, written, 1);
    // the first write done (memory let its bytes go) means the file exists
    while (spool.memoryStart === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await readdir(directory)).toHaveLength(1);
    spool.end();
    expect((await spool.buffer()).equals(Buffer.concat(written))).toBe(true);
    await spool.dispose();
    expect(await readdir(directory)).toHaveLength(0);
  });

  it('never asks the client to wait for a message that fits in memory', () => {
    const spool = new MessageSpool({ threshold: 8 * MiB, directory, maxBytes: 64 * MiB });
    for (let i = 0; i < 128; i++) expect(spool.write(chunk(i))).toBe(true);
    spool.end();
    return spool.dispose();
  });

  it('keeps nothing more of a message once disposed: its handlers are done, the rest is only drained', async () => {
    const spool = new MessageSpool({ threshold: 64 * KiB, directory, maxBytes: 64 * MiB });
    spool.write(chunk(0));
    const disposed = spool.dispose();
    for (let i = 1; i < 160; i++) expect(spool.write(chunk(i))).toBe(true);
    expect(spool.size).toBe(64 * KiB);
    spool.end();
    await disposed;
    expect(await readdir(directory)).toHaveLength(0);
  });

  it('fails buffer() asked once the message is disposed, instead of giving zeros', async () => {
    const spool = new MessageSpool({ threshold: 1 * MiB, directory, maxBytes: 64 * MiB });
    spool.write(chunk(1));
    spool.end();
    await spool.dispose();
    await expect(spool.buffer()).rejects.toThrow(/the message is gone/);
  });

  it('fails a stream read once the message is disposed, instead of spinning on bytes it no longer has', async () => {
    const spool = new MessageSpool({ threshold: 1 * MiB, directory, maxBytes: 64 * MiB });
    const late = spool.createReadStream();
    for (let i = 0; i < 4; i++) spool.write(chunk(i));
    spool.end();
    await spool.dispose();
    await expect(async () => {
      for await (const _ of late) void _;
    }).rejects.toThrow(/the message is gone: its transaction is over/);
  });

  describe('without a file (directory: false)', () => {
    const noFile = (threshold: number) => new MessageSpool({ threshold, directory: false, maxBytes: 64 * MiB });

    it('lets bytes go once every open reader has read them, holds the writer back for the slowest, and loses nothing', async () => {
      const spool = noFile(256 * KiB);
      const fast: Buffer[] = [];
      const slow = spool.createReadStream();
      spool.createReadStream().on('data', (part: Buffer) => fast.push(part));
      const written: Buffer[] = [];
      let heldBack = false;
      while (written.length < 200) {
        const next = chunk(written.length);
        written.push(next);
        if (!spool.write(next)) {
          heldBack = true;
          break;
        }
      }
      // the slow reader has read nothing: the newest 256 KiB and 2 MiB more are all it may hold
      expect(heldBack).toBe(true);
      expect(written.length * 64 * KiB).toBeLessThanOrEqual(256 * KiB + 2 * MiB + 64 * KiB);
      const slowParts: Buffer[] = [];
      slow.on('data', (part: Buffer) => slowParts.push(part));
      await new Promise<void>((resume) => spool.onDrain(resume));
      await writeChunks(spool, written, 100);
      spool.end();
      await new Promise((resolve) => slow.once('end', resolve));
      expect(Buffer.concat(slowParts).equals(Buffer.concat(written))).toBe(true);
      expect(Buffer.concat(fast).equals(Buffer.concat(written))).toBe(true);
      expect(await readdir(directory)).toHaveLength(0);
      // what both had read is gone: memory held no more than the slow reader needed
      await expect(spool.buffer()).rejects.toThrow(/bytes are gone/);
      await spool.dispose();
    });

    it('fails a reader opened once the first bytes are gone, naming the option, and keeps a message up to the threshold whole', async () => {
      const small = noFile(1 * MiB);
      small.createReadStream().resume();
      for (let i = 0; i < 8; i++) small.write(chunk(i));
      small.end();
      expect((await small.buffer()).length).toBe(8 * 64 * KiB);

      const large = noFile(256 * KiB);
      const first = large.createReadStream();
      first.resume();
      for (let i = 0; i < 16; i++) large.write(chunk(i));
      large.end();
      await new Promise((resolve) => first.once('end', resolve));
      const late = large.createReadStream();
      await expect(async () => {
        for await (const _ of late) void _;
      }).rejects.toThrow(/first 786432 bytes are gone: with spoolDirectory: false/);
      await expect(large.buffer()).rejects.toThrow(/spoolDirectory: false/);
    });

    it('fails the message when the client stays held back with no reader reading on, but not for a slow reader', async () => {
      const stalled = new MessageSpool({ threshold: 64 * KiB, directory: false, maxBytes: 64 * MiB, stallTimeout: 50 });
      stalled.createReadStream(); // opened, never read
      let i = 0;
      while (stalled.write(chunk(i++)));
      await expect(stalled.buffer()).rejects.toThrow(/none read on for 50 ms/);

      const slow = new MessageSpool({ threshold: 64 * KiB, directory: false, maxBytes: 64 * MiB, stallTimeout: 50 });
      const reader = slow.createReadStream();
      const parts: Buffer[] = [];
      const read = (async () => {
        for await (const part of reader) {
          parts.push(part as Buffer);
          await new Promise((resolve) => setTimeout(resolve, 10)); // 64 KiB every 10 ms: the message takes far longer than 50 ms
        }
      })();
      const written: Buffer[] = [];
      await writeChunks(slow, written, 80);
      slow.end();
      await read;
      expect(Buffer.concat(parts).equals(Buffer.concat(written))).toBe(true);
    });

    it('fails a stream still open when the message goes on after its handlers are done, instead of ending it short', async () => {
      const spool = noFile(64 * KiB);
      const left = spool.createReadStream();
      spool.write(chunk(0));
      await new Promise((resolve) => left.once('data', resolve)); // caught up, waiting for more
      void spool.dispose();
      spool.write(chunk(1));
      spool.end();
      await expect(new Promise((resolve, reject) => left.once('end', resolve).once('error', reject))).rejects.toThrow(/the message is gone/);
      await expect(spool.buffer()).rejects.toThrow(/the message is gone/);
    });

    it('lets a writer held back for a reader that reads no more go on once disposed', async () => {
      const spool = noFile(64 * KiB);
      spool.createReadStream(); // opened, never read
      let i = 0;
      while (spool.write(chunk(i++)));
      const resumed = new Promise<void>((resume) => spool.onDrain(resume));
      const disposed = spool.dispose();
      await resumed;
      // drained from here on: nothing more is kept
      for (let j = 0; j < 64; j++) expect(spool.write(chunk(i++))).toBe(true);
      spool.end();
      await disposed;
    });
  });
});
