import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InboxChanges } from './inbox/inbox-changes.js';
import { maildirName } from './maildir-name.js';
import { folderAddress } from './policy/mailbox-folder.js';
import { SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';


/**
 * A spool file older than this belongs to no live transaction: sessions are capped at 30 minutes
 * (`maxSessionDuration`), so it was left by a process stopped mid-transaction. Age, not owner,
 * decides, because instances sharing the Maildir write their spool files to the same place.
 */
const ABANDONED_AFTER_MS = 60 * 60_000;

/** A message written to the spool, not yet in any mailbox. */
export interface SpooledMessage {
  readonly name: string;
  /** Links the message into each mailbox's `new/`, durably, then drops the spool copy. */
  commit(mailboxes: readonly string[]): Promise<void>;
  /** Drops the spool copy; no mailbox ever saw it. */
  discard(): Promise<void>;
}

/**
 * Stores messages in Maildir (the format Dovecot and mutt read). A message is written once to a
 * spool and fsynced; each mailbox then gets a hard link through `tmp/` renamed into `new/`, so
 * readers never see half a message and a 250 reply means it is on disk.
 */
@Injectable()
export class MaildirStore implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaildirStore.name);

  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly changes: InboxChanges,
  ) {}

  /** Removes spool files that transactions cut short by an earlier shutdown left behind. */
  async onApplicationBootstrap(): Promise<void> {
    const dir = join(this.config.maildir, '.spool');
    const names = await readdir(dir).catch(() => [] as string[]);
    const cutoff = Date.now() - ABANDONED_AFTER_MS;
    let removed = 0;
    for (const name of names) {
      const file = join(dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile() && info.mtimeMs < cutoff && (await unlink(file).then(() => true, () => false))) removed++;
    }
    if (removed) this.logger.log(`removed ${removed} abandoned spool file(s) from ${dir}`);
  }

  async spool(header: string, body: Readable): Promise<SpooledMessage> {
    const name = maildirName();
    const dir = join(this.config.maildir, '.spool');
    await mkdir(dir, { recursive: true });
    const file = join(dir, name);
    const discard = () => unlink(file).catch(() => undefined);
    try {
      const out = createWriteStream(file, { flags: 'wx' });
      out.write(header);
      await pipeline(body, out);
      await syncPath(file);
    } catch (error) {
      await discard();
      throw error;
    }
    // what the inbox's index keeps; links share the inode, so size and time hold for every one
    const { size, mtimeMs } = await stat(file);
    return {
      name,
      discard,
      commit: async (mailboxes) => {
        try {
          for (const mailbox of mailboxes) await this.linkInto(mailbox, file, name);
        } finally {
          await discard();
        }
        // the web inbox shows it now; the 250 reply follows
        if (!mailboxes.length) return;
        this.changes.stored({
          id: name,
          mailboxes: [...new Set(mailboxes.map(folderAddress))].sort(),
          paths: mailboxes.map((mailbox) => join(this.config.maildir, mailbox, 'new', name)),
          size,
          receivedAt: mtimeMs,
        });
      },
    };
  }

  private async linkInto(mailbox: string, file: string, name: string): Promise<void> {
    const dir = join(this.config.maildir, mailbox);
    await Promise.all(['tmp', 'new', 'cur'].map((sub) => mkdir(join(dir, sub), { recursive: true })));
    await link(file, join(dir, 'tmp', name));
    await rename(join(dir, 'tmp', name), join(dir, 'new', name));
    await syncPath(join(dir, 'new'));
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
