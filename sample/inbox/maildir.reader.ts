import { Inject, Injectable } from '@nestjs/common';
import { type ParsedMail, simpleParser, type AddressObject } from 'mailparser';
import { createReadStream } from 'node:fs';
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample.config.js';
import { InboxChanges } from './inbox-changes.js';
import { isMessageId } from './message-id.pipe.js';
import type { MessageSummary } from './message.views.js';
import { folderAddress } from '../policy/mailbox-folder.js';

/** A message as found on disk: one file, hard-linked into each mailbox it was delivered to. */
export interface StoredMessage {
  readonly id: string;
  readonly mailboxes: readonly string[];
  /** Every link to it (`<maildir>/<mailbox>/{new,cur}/<name>`); all are the same file. */
  readonly paths: readonly string[];
  readonly size: number;
  readonly receivedAt: number;
}

type Headers = Pick<MessageSummary, 'from' | 'to' | 'subject' | 'date'>;

/** Enough to hold any sane header block; a message with more is listed from what fits. */
const HEADER_READ_LIMIT = 64 * 1024;

/**
 * Reads the sample's Maildir as an inbox: one entry per message file, whichever mailboxes it was
 * linked into. A message is only ever found by listing the directories and comparing names, so
 * ids from URLs never become paths.
 */
@Injectable()
export class MaildirReader {
  /** Header summaries by id: Maildir files never change once delivered, so they stay true. */
  private readonly headerCache = new Map<string, Headers>();

  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly changes: InboxChanges,
  ) {}

  /** Every stored message, newest first. */
  async list(): Promise<StoredMessage[]> {
    const links = new Map<string, { mailboxes: string[]; paths: string[] }>();
    for (const mailbox of await this.mailboxes()) {
      for (const sub of ['new', 'cur']) {
        const dir = join(this.config.maildir, mailbox, sub);
        for (const name of await readdirOrEmpty(dir)) {
          // "name:2,S" in cur/ is the same message with flags a mail reader added
          const id = name.split(':', 1)[0]!;
          if (!isMessageId(id)) continue;
          const entry = links.get(id) ?? { mailboxes: [], paths: [] };
          const address = folderAddress(mailbox);
          if (!entry.mailboxes.includes(address)) entry.mailboxes.push(address);
          entry.paths.push(join(dir, name));
          links.set(id, entry);
        }
      }
    }
    const messages = await Promise.all(
      [...links].map(async ([id, { mailboxes, paths }]): Promise<StoredMessage | undefined> => {
        const info = await stat(paths[0]!).catch(() => undefined); // deleted meanwhile
        return info && { id, mailboxes: mailboxes.sort(), paths, size: info.size, receivedAt: info.mtimeMs };
      }),
    );
    for (const id of this.headerCache.keys()) if (!links.has(id)) this.headerCache.delete(id);
    return messages
      .filter((m): m is StoredMessage => m !== undefined)
      .sort((a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : -1));
  }

  /** The message with this id, or `undefined`. */
  async find(id: string): Promise<StoredMessage | undefined> {
    return (await this.list()).find((m) => m.id === id);
  }

  /** The list entry of a message: its headers are read once and remembered. */
  async summarize(message: StoredMessage): Promise<MessageSummary> {
    let headers = this.headerCache.get(message.id);
    if (!headers) {
      headers = await readHeaders(message.paths[0]!);
      this.headerCache.set(message.id, headers);
    }
    return {
      id: message.id,
      mailboxes: message.mailboxes,
      size: message.size,
      receivedAt: new Date(message.receivedAt).toISOString(),
      ...headers,
    };
  }

  /** List entries for these messages, leaving out any deleted since they were listed. */
  async summarizeAll(messages: readonly StoredMessage[]): Promise<MessageSummary[]> {
    const summaries = await Promise.all(messages.map((m) => this.summarize(m).catch(ignoreMissing)));
    return summaries.filter((s): s is MessageSummary => s !== undefined);
  }

  /** The whole message parsed: headers, bodies, attachments (inline images become data: URLs). */
  parse(message: StoredMessage): Promise<ParsedMail> {
    return simpleParser(createReadStream(message.paths[0]!));
  }

  /** Removes a message from every mailbox. */
  async delete(message: StoredMessage): Promise<void> {
    await Promise.all(message.paths.map((path) => unlink(path).catch(ignoreMissing)));
    this.headerCache.delete(message.id);
    this.changes.deleted([message.id]);
  }

  /** Removes every message of every mailbox (the folders stay); returns how many there were. */
  async deleteAll(): Promise<number> {
    const messages = await this.list();
    await Promise.all(messages.flatMap((m) => m.paths.map((path) => unlink(path).catch(ignoreMissing))));
    this.headerCache.clear();
    this.changes.deleted(messages.map((m) => m.id));
    return messages.length;
  }

  /** Mailbox folders: every directory of the Maildir root but hidden ones such as the spool. */
  private async mailboxes(): Promise<string[]> {
    try {
      const entries = await readdir(this.config.maildir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // nothing delivered yet
      throw error;
    }
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

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** Parses only the header block, so listing a mailbox of large messages stays cheap. */
async function readHeaders(path: string): Promise<Headers> {
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(HEADER_READ_LIMIT);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const end = headerEnd(head);
  const parsed = await simpleParser(Buffer.concat([head.subarray(0, end), Buffer.from('\r\n\r\n')]));
  return {
    from: addressText(parsed.from),
    to: addressText(parsed.to),
    subject: parsed.subject ?? '',
    ...(parsed.date && !Number.isNaN(parsed.date.getTime()) ? { date: parsed.date.toISOString() } : {}),
  };
}

/** Where the header block ends: the first empty line, or all we read. */
function headerEnd(head: Buffer): number {
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) : head.length;
}

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}
