import { Injectable } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import type { SmtpPhase } from '../context/smtp-phase.js';

/** What happened in one phase of one session: one event per command the module answered. */
export interface FumiSessionEvent {
  /** The server's name (`'default'` unless named). */
  readonly server: string;
  readonly sessionId: string;
  readonly phase: SmtpPhase;
  /** When the phase settled (epoch ms). */
  readonly time: number;
  readonly remoteAddress: string;
  /** The EHLO/HELO name, once the client has greeted. */
  readonly clientHostname?: string;
  /** The logged-in user's id (as given to `ctx.accept()`; objects as their `id`, `username` or `name`). */
  readonly user?: string;
  /** The phase's address: the sender (`mailFrom`) or the recipient (`rcptTo`). */
  readonly address?: string;
  /** Message bytes (`data`). */
  readonly size?: number;
  /** TLS protocol once secure (`secure` and later). */
  readonly tls?: string;
  /** The reply code: 250, 235, 550, 552, ... (`undefined` for `close`). */
  readonly code?: number;
  /** The reply text of a refusal. */
  readonly message?: string;
  /** Whether the command was accepted. */
  readonly ok: boolean;
  /** How long the phase's handlers took, in ms. */
  readonly durationMs: number;
}

/**
 * A live stream of what every SMTP server of the app does, phase by phase: for dashboards, audit
 * logs and metrics. Emits nothing and costs nothing while nobody subscribes.
 *
 * @example
 * constructor(events: FumiEvents) {
 *   events.events$.pipe(filter((e) => !e.ok)).subscribe((e) => this.audit.refused(e));
 * }
 */
@Injectable()
export class FumiEvents {
  private readonly subject = new Subject<FumiSessionEvent>();
  /** Every session event of every server. */
  readonly events$: Observable<FumiSessionEvent> = this.subject.asObservable();

  /** `true` while someone listens: the servers skip building events otherwise. */
  get observed(): boolean {
    return this.subject.observed;
  }

  /** @internal called by the servers */
  emit(event: FumiSessionEvent): void {
    this.subject.next(event);
  }
}
