import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { folderAddress } from '../policy/mailbox-folder.js';
import type { FileLimiter } from './file-limiter.js';
import { isMessageId } from './message-id.pipe.js';
import type { StoredMessage } from './stored-message.js';

/**
 * Every message in the Maildir, for the index at start-up: each mailbox folder's `new/` and
 * `cur/` listed, then one stat per message, all through the limiter so a large Maildir opens
 * no more files at once than any other inbox work. Headers are not read here.
 */
export async function scanMaildir(root: string, limiter: FileLimiter): Promise<StoredMessage[]> {
  // one directory at a time, so only one listing of names is held beside the messages found
  const found = new Map<string, { id: string; mailboxes: string[]; paths: string[]; size: number; receivedAt: number }>();
  for (const folder of await mailboxFolders(root, limiter)) {
    const address = folderAddress(folder);
    for (const sub of ['new', 'cur']) {
      const dir = join(root, folder, sub);
      const names = await limiter.run(() => readdirOrEmpty(dir));
      let next = 0;
      // as many workers as the limiter has slots: the queue of waiting stats stays short
      const worker = async () => {
        while (next < names.length) {
          const name = names[next++]!;
          // "name:2,S" in cur/ is the same message with flags a mail reader added
          const id = name.split(':', 1)[0]!;
          if (!isMessageId(id)) continue;
          const path = join(dir, name);
          const known = found.get(id);
          if (known) {
            if (!known.mailboxes.includes(address)) known.mailboxes.push(address);
            known.paths.push(path);
            continue;
          }
          const info = await limiter.run(() => stat(path).catch(() => undefined)); // deleted meanwhile
          if (info && !found.has(id)) found.set(id, { id, mailboxes: [address], paths: [path], size: info.size, receivedAt: info.mtimeMs });
        }
      };
      await Promise.all(Array.from({ length: limiter.size }, worker));
    }
  }
  const messages = [...found.values()];
  for (const message of messages) message.mailboxes.sort();
  return messages;
}

/** Mailbox folders: every directory of the Maildir root but hidden ones such as the spool. */
async function mailboxFolders(root: string, limiter: FileLimiter): Promise<string[]> {
  try {
    const entries = await limiter.run(() => readdir(root, { withFileTypes: true }));
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // nothing delivered yet
    throw error;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => !name.startsWith('.'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
