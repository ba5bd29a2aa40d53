import { createHash } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SPOOL_FILE_EXTENSION } from './fumi-queue.constants.js';

/** Where a message's body was put, and its digest. */
export interface SpooledBody {
  readonly path: string;
  readonly sha256: string;
}

/**
 * Writes a message body to `<directory>/<id>.eml` so that it survives a crash from the moment
 * this resolves: written to `<id>.eml.part`, fsynced, renamed, and the directory fsynced so
 * the rename itself is on disk. A reader never sees a partial file under the final name.
 */
export async function writeDurably(directory: string, id: string, body: Readable): Promise<SpooledBody> {
  const path = join(directory, `${id}${SPOOL_FILE_EXTENSION}`);
  const partial = `${path}.part`;
  const hash = createHash('sha256');
  // 'w': a .part left by an earlier attempt at the same message is incomplete by definition
  const file = await open(partial, 'w', 0o640);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      await file.write(chunk);
    }
    await file.sync();
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    throw error;
  }
  await file.close();
  await rename(partial, path);
  await syncDirectory(directory);
  return { path, sha256: hash.digest('hex') };
}

/** Makes a rename in `directory` durable. Platforms that cannot sync a directory get what they can. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}
