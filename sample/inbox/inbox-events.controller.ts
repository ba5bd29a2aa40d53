import { Controller, type MessageEvent, Sse } from '@nestjs/common';
import { concatMap, filter, type Observable } from 'rxjs';
import { InboxChanges, type InboxChange } from './inbox-changes.js';
import { MaildirReader } from './maildir.reader.js';

/**
 * Server-sent events for the inbox: `stored` with the new message's summary, `deleted` with the
 * ids that are gone. A client that (re)connects should list the messages again: changes made
 * while it was away are not replayed.
 */
@Controller('api/events')
export class InboxEventsController {
  constructor(
    private readonly changes: InboxChanges,
    private readonly reader: MaildirReader,
  ) {}

  /** `GET /api/events/messages`: what changes in the Maildir from now on. */
  @Sse('messages')
  messages(): Observable<MessageEvent> {
    // concatMap keeps events in the order they happened while each summary is read
    return this.changes.changes$.pipe(
      concatMap((change) => this.toEvent(change)),
      filter((event): event is MessageEvent => event !== undefined),
    );
  }

  private async toEvent(change: InboxChange): Promise<MessageEvent | undefined> {
    if (change.kind === 'deleted') return { type: 'deleted', data: { ids: change.ids } };
    // deleted before we got to it: its "deleted" event follows
    const [summary] = await this.reader.summarizeAll([change.message]);
    return summary && { type: 'stored', data: summary };
  }
}
