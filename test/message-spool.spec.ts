import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSpool } from '../lib/message/message-spool.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** 64 KiB chunks that differ from each other, so that a chunk lost or repeated shows. */
const chunk = (index: number) => Buffer.alloc(64 * KiB, index % 251);

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
    for (let i = 0; i < 40; i++) {
      const next = chunk(written.length);
      written.push(next);
      if (!spool.write(next)) await new Promise<void>((resume) => spool.onDrain(resume));
    }
    spool.end();
    expect((await spool.buffer()).equals(Buffer.concat(written))).toBe(true);
    expect(await readdir(directory)).toHaveLength(1);
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
});
