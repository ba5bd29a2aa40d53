import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SPOOL_FILE_EXTENSION } from './fumi-queue.constants.js';

/** Longer than any live instance takes to write and queue a body: a file this old has no writer left. */
const ABANDONED_AFTER_MS = 5 * 60_000;
const PART = `${SPOOL_FILE_EXTENSION}.part`;

/**
 * Removes the bodies a crash left in a queue's spool directory: `<id>.eml.part` files no instance
 * is writing any more, and `<id>.eml` files no job references (`hasJob(id)` false). Age, not a
 * process id, tells a live writer, so it holds where instances share the directory or every
 * restart gets the same pid. Nothing but those two kinds of file is ever touched.
 */
export async function sweepQueueSpool(directory: string, hasJob: (id: string) => Promise<boolean>): Promise<number> {
  const now = Date.now();
  let removed = 0;
  for (const name of await readdir(directory)) {
    const part = name.endsWith(PART);
    if (!part && !name.endsWith(SPOOL_FILE_EXTENSION)) continue;
    const file = join(directory, name);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile() || now - info.mtimeMs < ABANDONED_AFTER_MS) continue;
    if (!part && (await hasJob(name.slice(0, -SPOOL_FILE_EXTENSION.length)))) continue;
    if (await unlink(file).then(() => true, () => false)) removed++;
  }
  return removed;
}
