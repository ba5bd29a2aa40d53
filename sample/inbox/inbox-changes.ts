import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import type { StoredMessage } from './stored-message.js';

/** Something that happened to the stored mail: a message arrived, or messages were deleted. */
export type InboxChange =
  | { readonly kind: 'stored'; readonly message: StoredMessage }
  | { readonly kind: 'deleted'; readonly ids: readonly string[] };

/**
 * Tells the web inbox what changed in the Maildir, as it happens, so open pages update without
 * polling, and keeps the message index current. The store reports what it committed and the
 * reader what it deleted: files other processes add are found by the index's scan at start-up.
 */
@Injectable()
export class InboxChanges implements BeforeApplicationShutdown {
  private readonly subject = new Subject<InboxChange>();
  /** Every change from now on; completes on shutdown. */
  readonly changes$: Observable<InboxChange> = this.subject.asObservable();

  /** A message is in its mailboxes now: its name, mailboxes, links, size and time, as the index keeps them. */
  stored(message: StoredMessage): void {
    this.subject.next({ kind: 'stored', message });
  }

  /** These messages are gone from every mailbox. */
  deleted(ids: readonly string[]): void {
    if (ids.length) this.subject.next({ kind: 'deleted', ids });
  }

  /** Ends the open event streams, so the HTTP server is not kept waiting for them on shutdown. */
  beforeApplicationShutdown(): void {
    this.subject.complete();
  }
}
