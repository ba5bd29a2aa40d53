import { link, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A message written straight into a Maildir, as another process would: no SMTP, no event. */
export interface WrittenMessage {
  id: string;
  /** Mailbox folders (addresses) holding it. */
  mailboxes: string[];
  /** Its file time, which the inbox takes as the receive time (ms since the epoch). */
  receivedAt: number;
}

/**
 * Writes `count` small messages into `<maildir>/<mailbox>/new/`, fast (a few at a time, no
 * fsync): message `i` goes to `mailboxes[i % n]`, every third also to the next one, and two
 * messages share each file time so that ties (broken by id) occur. Times count down from `newest`.
 */
export async function writeMaildirMessages(
  maildir: string,
  count: number,
  options: { mailboxes: string[]; newest?: number; prefix?: string },
): Promise<WrittenMessage[]> {
  const { mailboxes, newest = Date.now() - 60_000, prefix = 'w' } = options;
  for (const mailbox of mailboxes) await mkdir(join(maildir, mailbox, 'new'), { recursive: true });
  const messages = Array.from({ length: count }, (_, i): WrittenMessage => {
    const first = mailboxes[i % mailboxes.length]!;
    const second = mailboxes[(i + 1) % mailboxes.length]!;
    const seconds = Math.floor(newest / 1000);
    return {
      id: `${seconds}.M${String(i).padStart(6, '0')}P${process.pid}R${prefix}${i.toString(16)}.test`,
      mailboxes: i % 3 === 0 && second !== first ? [first, second].sort() : [first],
      receivedAt: newest - Math.floor(i / 2) * 1000,
    };
  });
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const i = next++;
      const message = messages[i]!;
      const [first, ...others] = message.mailboxes;
      const path = join(maildir, first!, 'new', message.id);
      await writeFile(path, `From: sender${i}@elsewhere.test\r\nTo: ${first}\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`);
      await utimes(path, message.receivedAt / 1000, message.receivedAt / 1000);
      for (const other of others) await link(path, join(maildir, other, 'new', message.id));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return messages;
}

/** The inbox's order: newest first, ties by the larger id first. */
export function newestFirstIds(messages: readonly WrittenMessage[]): string[] {
  return [...messages]
    .sort((a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((m) => m.id);
}
