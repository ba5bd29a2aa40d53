import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample.config.js';
import { FileLimiter } from './file-limiter.js';
import { InboxChanges } from './inbox-changes.js';
import { scanMaildir } from './maildir-scan.js';
import { type ListPosition, newestFirst, type StoredMessage } from './stored-message.js';

/** One page of the index: the messages, and where the next page starts if there is one. */
export interface IndexPage {
  readonly messages: readonly StoredMessage[];
  readonly next?: ListPosition;
}

/** Deleting more at once than this rebuilds the order in one pass instead of splicing each out. */
const SPLICE_LIMIT = 16;

/**
 * Every stored message by id and in the inbox's order, in memory, so listing a page or opening a
 * message touches no directory. Filled by one scan at start-up, then kept current by the store's
 * `stored` and the reader's `deleted` changes: a file another process puts into the Maildir
 * shows up after a restart.
 */
@Injectable()
export class MessageIndex implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MessageIndex.name);
  private readonly byId = new Map<string, StoredMessage>();
  /** Newest first (`newestFirst`). */
  private order: StoredMessage[] = [];
  private scan?: Promise<void>;
  /** Ids deleted while the start scan ran: its older view of them must not bring them back. */
  private deletedDuringScan?: Set<string>;
  private readonly subscription: Subscription;

  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly limiter: FileLimiter,
    changes: InboxChanges,
  ) {
    // subscribed before any event stream, so a client told of a change finds the index has it
    this.subscription = changes.changes$.subscribe((change) =>
      change.kind === 'stored' ? this.put(change.message) : this.remove(change.ids),
    );
  }

  /** Starts the scan without waiting for it: SMTP starts at once, listings wait in `ready()`. */
  onModuleInit(): void {
    void this.ready().catch(() => undefined); // a failed scan is retried by the next ready()
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  /** Resolves once the start scan is done (rejects if it failed; the next call tries again). */
  ready(): Promise<void> {
    this.scan ??= this.load().catch((error: unknown) => {
      this.scan = undefined;
      this.deletedDuringScan = undefined;
      throw error;
    });
    return this.scan;
  }

  /** The message with this id, or `undefined`; only after `ready()`. */
  get(id: string): StoredMessage | undefined {
    return this.byId.get(id);
  }

  /** How many messages there are. */
  get size(): number {
    return this.byId.size;
  }

  /** Every message, newest first. */
  all(): readonly StoredMessage[] {
    return this.order;
  }

  /** Up to `limit` messages after `after` (from the newest without it), of `mailbox` only if given. */
  page(limit: number, after?: ListPosition, mailbox?: string): IndexPage {
    const messages: StoredMessage[] = [];
    for (let i = after ? this.indexAfter(after) : 0; i < this.order.length; i++) {
      const message = this.order[i]!;
      if (mailbox && !message.mailboxes.includes(mailbox)) continue;
      if (messages.length === limit) return { messages, next: messages[limit - 1]! };
      messages.push(message);
    }
    return { messages };
  }

  private async load(): Promise<void> {
    this.deletedDuringScan = new Set();
    const started = Date.now();
    const found = await scanMaildir(this.config.maildir, this.limiter);
    const deleted = this.deletedDuringScan;
    this.deletedDuringScan = undefined;
    // a message stored meanwhile is already here, with every mailbox its event named
    for (const message of found) if (!this.byId.has(message.id) && !deleted.has(message.id)) this.byId.set(message.id, message);
    this.order = [...this.byId.values()].sort(newestFirst);
    this.logger.log(`indexed ${this.order.length} stored message(s) in ${Date.now() - started} ms`);
  }

  private put(message: StoredMessage): void {
    if (this.byId.has(message.id)) this.remove([message.id]);
    this.byId.set(message.id, message);
    this.order.splice(this.indexAfter(message), 0, message);
  }

  private remove(ids: readonly string[]): void {
    for (const id of ids) this.deletedDuringScan?.add(id);
    if (ids.length > SPLICE_LIMIT) {
      for (const id of ids) this.byId.delete(id);
      this.order = this.order.filter((m) => this.byId.has(m.id));
      return;
    }
    for (const id of ids) {
      const message = this.byId.get(id);
      if (!message) continue;
      this.byId.delete(id);
      const at = this.indexAfter(message) - 1;
      if (this.order[at] === message) this.order.splice(at, 1);
      else this.order = this.order.filter((m) => m !== message); // never expected: stay right regardless
    }
  }

  /** The index of the first message that comes after `position` in the order (binary search). */
  private indexAfter(position: ListPosition): number {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (newestFirst(this.order[mid]!, position) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
