import { Injectable, NotFoundException } from '@nestjs/common';
import { type ParsedMail, simpleParser, type AddressObject } from 'mailparser';
import { open, unlink } from 'node:fs/promises';
import type { ParsedMailWithHtmlBytes, ParseJobOptions } from '../../lib/index.js';
import type { Readable } from 'node:stream';
import { FileLimiter } from './file-limiter.js';
import { readHead, readHeaderLines, type HeaderLine } from './header-lines.js';
import { InboxParserPool } from './inbox-parser.pool.js';
import { traceSummary } from './trace-summary.js';
import { InboxChanges } from './inbox-changes.js';
import { MessageIndex } from './message-index.js';
import type { MessageSummary } from './message.views.js';
import type { ListPosition, StoredMessage } from './stored-message.js';

export type { StoredMessage } from './stored-message.js';

type Headers = Pick<MessageSummary, 'from' | 'to' | 'subject' | 'date' | 'auth' | 'spam'>;

/** One page of the listing: its summaries, and where the next page starts if there is one. */
export interface SummaryPage {
  readonly summaries: MessageSummary[];
  readonly next?: ListPosition;
}

/** Enough to hold any sane header block; a message with more is listed from what fits. */
const HEADER_READ_LIMIT = 64 * 1024;

/**
 * Reads the sample's Maildir as an inbox: one entry per message file, whichever mailboxes it was
 * linked into. Messages are found in the index by id, so ids from URLs never become paths, and
 * every file it opens goes through the shared limiter.
 */
@Injectable()
export class MaildirReader {
  /** Header summaries by id: Maildir files never change once delivered, so they stay true. */
  private readonly headerCache = new Map<string, Headers>();

  constructor(
    private readonly index: MessageIndex,
    private readonly limiter: FileLimiter,
    private readonly changes: InboxChanges,
    private readonly parsers: InboxParserPool,
  ) {
    changes.changes$.subscribe((change) => {
      if (change.kind === 'deleted') for (const id of change.ids) this.headerCache.delete(id);
    });
  }

  /** Up to `limit` summaries after `after`, newest first, of `mailbox` only if given; waits for the start scan. */
  async page(limit: number, after?: ListPosition, mailbox?: string): Promise<SummaryPage> {
    await this.index.ready();
    const summaries: MessageSummary[] = [];
    let next = after;
    // a file found gone drops out of the index: fill its place from further down
    do {
      const page = this.index.page(limit - summaries.length, next, mailbox?.toLowerCase());
      summaries.push(...(await this.summarizeAll(page.messages)));
      next = page.next;
    } while (next && summaries.length < limit);
    return next ? { summaries, next } : { summaries };
  }

  /** The message with this id, or `undefined`: a lookup in the index. */
  async find(id: string): Promise<StoredMessage | undefined> {
    await this.index.ready();
    return this.index.get(id);
  }

  /** The list entry of a message: its headers are read once and remembered. */
  async summarize(message: StoredMessage): Promise<MessageSummary> {
    let headers = this.headerCache.get(message.id);
    if (!headers) {
      headers = await this.limiter.run(() => readHeaders(message.paths[0]!));
      // not for a message deleted while its headers were read: nothing would remove them again
      if (this.index.get(message.id)) this.headerCache.set(message.id, headers);
    }
    return {
      id: message.id,
      mailboxes: message.mailboxes,
      size: message.size,
      receivedAt: new Date(message.receivedAt).toISOString(),
      ...headers,
    };
  }

  /** The list entry of one message asked for by id: 404 if its file is gone meanwhile. */
  async summaryOf(message: StoredMessage): Promise<MessageSummary> {
    return this.summarize(message).catch((error: unknown) => this.notFoundIfGone(message, error));
  }

  /** List entries for these messages, leaving out (and forgetting) any whose file is gone. */
  async summarizeAll(messages: readonly StoredMessage[]): Promise<MessageSummary[]> {
    const summaries = await Promise.all(messages.map((m) => this.summarize(m).catch((error: unknown) => this.gone(m, error))));
    return summaries.filter((s): s is MessageSummary => s !== undefined);
  }

  /**
   * The message parsed in one of the parser threads (which opens and closes the file itself);
   * fails with `ParserPoolBusyError` when they are all busy and the queue is full.
   */
  async parse(message: StoredMessage, options: ParseJobOptions): Promise<ParsedMail | ParsedMailWithHtmlBytes> {
    await this.index.ready();
    return this.parsers.parse({ path: message.paths[0]! }, options).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.notFoundIfGone(message, error);
      throw error;
    });
  }

  /** The header lines within the file's first 64 KiB: what can be shown of a message the parser refuses. */
  async headerLines(message: StoredMessage): Promise<HeaderLine[]> {
    return this.limiter.run(() => readHeaderLines(message.paths[0]!, HEADER_READ_LIMIT)).catch((error: unknown) => this.notFoundIfGone(message, error));
  }

  /** The file as stored, as a stream that holds one of the limiter's slots until it closes. */
  async read(message: StoredMessage): Promise<Readable> {
    const release = await this.limiter.acquire();
    try {
      const handle = await open(message.paths[0]!, 'r');
      const stream = handle.createReadStream();
      stream.once('close', release);
      return stream;
    } catch (error) {
      release();
      return this.notFoundIfGone(message, error);
    }
  }

  /** Removes a message from every mailbox. */
  async delete(message: StoredMessage): Promise<void> {
    await Promise.all(message.paths.map((path) => this.limiter.run(() => unlink(path).catch(ignoreMissing))));
    this.changes.deleted([message.id]);
  }

  /** Removes every message of every mailbox (the folders stay); returns how many there were. */
  async deleteAll(): Promise<number> {
    await this.index.ready();
    const messages = [...this.index.all()];
    const paths = messages.flatMap((m) => m.paths);
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        await this.limiter.run(() => unlink(path).catch(ignoreMissing));
      }
    };
    await Promise.all(Array.from({ length: this.limiter.size }, worker));
    this.changes.deleted(messages.map((m) => m.id));
    return messages.length;
  }

  /** A file removed behind our back (by hand, or a mail reader): the message is gone for everyone. */
  private gone(message: StoredMessage, error: unknown): undefined {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    this.changes.deleted([message.id]);
    return undefined;
  }

  private notFoundIfGone(message: StoredMessage, error: unknown): never {
    this.gone(message, error);
    throw new NotFoundException('No such message');
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** Parses only the header block, so listing a mailbox of large messages stays cheap. */
async function readHeaders(path: string): Promise<Headers> {
  const head = await readHead(path, HEADER_READ_LIMIT);
  const end = headerEnd(head);
  const parsed = await simpleParser(Buffer.concat([head.subarray(0, end), Buffer.from('\r\n\r\n')]));
  return {
    ...traceSummary(head.subarray(0, end).toString('utf8')),
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
