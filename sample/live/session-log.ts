import { type BeforeApplicationShutdown, Injectable, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { concat, defer, from, type Observable, Subject, type Subscription } from 'rxjs';
import { FumiEvents, type FumiSessionEvent } from '../../lib/index.js';

/** A session event with its place in this process's log: `<boot>-<seq>`, the SSE event id. */
export interface LoggedEvent extends FumiSessionEvent {
  readonly id: string;
}

/** One SMTP connection as the live view shows it (`GET /api/sessions`). */
export interface SessionView {
  readonly sessionId: string;
  readonly server: string;
  readonly remoteAddress: string;
  /** The EHLO/HELO name, once the client greeted. */
  readonly clientHostname?: string;
  readonly tls?: string;
  readonly user?: string;
  readonly openedAt: string;
  /** Set once the connection is gone. */
  readonly closedAt?: string;
  /** Its phases in order, each with the reply code it got. */
  readonly events: readonly LoggedEvent[];
}

/** How many recent sessions are kept for pages opened later. */
const MAX_SESSIONS = 200;
/** A client may send thousands of RCPTs on one connection: only its latest events are kept. */
const MAX_EVENTS_PER_SESSION = 500;

/**
 * Keeps the latest SMTP sessions from `FumiEvents` and relays new events, so the live view shows
 * what happened before it was opened and then everything as it happens. Being always subscribed,
 * it makes the servers build their events even while no page is open: a small cost the sample
 * accepts for having history.
 */
@Injectable()
export class SessionLog implements OnModuleInit, BeforeApplicationShutdown {
  /** Tells this process's ids from an earlier one's, for clients reconnecting after a restart. */
  private readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly sessions = new Map<string, LoggedEvent[]>();
  private readonly live = new Subject<LoggedEvent>();
  private subscription?: Subscription;

  constructor(private readonly events: FumiEvents) {}

  onModuleInit(): void {
    // before the SMTP servers listen (onApplicationBootstrap), so no session is missed
    this.subscription = this.events.events$.subscribe((event) => this.record(event));
  }

  /** Ends open event streams so the HTTP server can close; the servers have drained by now. */
  beforeApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    this.live.complete();
  }

  /**
   * The kept events (those after `lastEventId` if it is one of this process's), then live ones.
   * Taken and subscribed in one go, so none falls between the two.
   */
  stream(lastEventId?: string): Observable<LoggedEvent> {
    return defer(() => concat(from(this.history(lastEventId)), this.live));
  }

  /** The kept sessions, newest first. */
  list(): SessionView[] {
    return [...this.sessions.values()].reverse().map((events) => view(events));
  }

  private history(lastEventId?: string): LoggedEvent[] {
    const [boot, seq] = lastEventId?.split('-') ?? [];
    const after = boot === this.boot ? Number(seq) || 0 : 0;
    return [...this.sessions.values()]
      .flat()
      .filter((e) => sequenceOf(e) > after)
      .sort((a, b) => sequenceOf(a) - sequenceOf(b));
  }

  private record(event: FumiSessionEvent): void {
    const logged: LoggedEvent = { ...event, id: `${this.boot}-${++this.seq}` };
    let events = this.sessions.get(event.sessionId);
    if (!events) {
      events = [];
      this.sessions.set(event.sessionId, events);
      if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    }
    events.push(logged);
    if (events.length > MAX_EVENTS_PER_SESSION) events.splice(1, 1); // keep "connect" first
    this.live.next(logged);
  }
}

const sequenceOf = (event: LoggedEvent): number => Number(event.id.slice(event.id.indexOf('-') + 1));

function view(events: readonly LoggedEvent[]): SessionView {
  const first = events[0]!;
  const last = events[events.length - 1]!;
  // later events know more: the EHLO name, TLS and the user appear as the session goes on
  const latest = <K extends 'clientHostname' | 'tls' | 'user'>(key: K) => events.findLast((e) => e[key] !== undefined)?.[key];
  const clientHostname = latest('clientHostname');
  const tls = latest('tls');
  const user = latest('user');
  return {
    sessionId: first.sessionId,
    server: first.server,
    remoteAddress: first.remoteAddress,
    ...(clientHostname !== undefined ? { clientHostname } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(user !== undefined ? { user } : {}),
    openedAt: new Date(first.time).toISOString(),
    ...(last.phase === 'close' ? { closedAt: new Date(last.time).toISOString() } : {}),
    events,
  };
}
