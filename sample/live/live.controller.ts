import { Controller, Get, Headers, type MessageEvent, Sse } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { SessionLog, type SessionView } from './session-log.js';

/** The live view's API: recent SMTP sessions, and their events as they happen. */
@Controller('api')
export class LiveController {
  constructor(private readonly log: SessionLog) {}

  /** The latest sessions (up to 200), newest first, each with its events. */
  @Get('sessions')
  sessions(): SessionView[] {
    return this.log.list();
  }

  /**
   * Server-sent `session` events, one per answered SMTP phase (`FumiSessionEvent` plus an `id`):
   * first the kept ones, then live. An `EventSource` that reconnects sends `Last-Event-ID` and
   * gets only what it missed.
   */
  @Sse('events/sessions')
  events(@Headers('last-event-id') lastEventId?: string): Observable<MessageEvent> {
    return this.log.stream(lastEventId).pipe(map((event) => ({ type: 'session', id: event.id, data: event })));
  }
}
