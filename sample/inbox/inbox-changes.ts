import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';

/** Something that happened to the stored mail: a message arrived, or messages were deleted. */
export type InboxChange = { readonly kind: 'stored'; readonly id: string } | { readonly kind: 'deleted'; readonly ids: readonly string[] };

/**
 * Tells the web inbox what changed in the Maildir, as it happens, so open pages update without
 * polling. The store reports what it committed and the reader what it deleted: this process is
 * the only writer, so no file watching is needed.
 */
@Injectable()
export class InboxChanges implements BeforeApplicationShutdown {
  private readonly subject = new Subject<InboxChange>();
  /** Every change from now on; completes on shutdown. */
  readonly changes$: Observable<InboxChange> = this.subject.asObservable();

  /** A message is in its mailboxes now. */
  stored(id: string): void {
    this.subject.next({ kind: 'stored', id });
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
