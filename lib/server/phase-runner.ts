import type { Logger } from '@nestjs/common';
import type { TLSSocket } from 'node:tls';
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerDataResult,
  SMTPServerDataStream,
  SMTPServerError,
  SMTPServerOptions,
  SMTPServerSession,
} from 'smtp-server';
import type { AuthAttemptPolicy } from '../auth/auth-attempt.policy.js';
import { AuthContext } from '../context/auth.context.js';
import { CloseContext } from '../context/close.context.js';
import { ConnectContext } from '../context/connect.context.js';
import { DataContext } from '../context/data.context.js';
import { MailFromContext } from '../context/mail-from.context.js';
import { RcptToContext } from '../context/rcpt-to.context.js';
import { SecureContext } from '../context/secure.context.js';
import type { SmtpContext } from '../context/smtp.context.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import type { FumiChains } from '../discovery/fumi-handler.registry.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { MESSAGES, REPLIES } from '../fumi.messages.js';
import type { LineEndingPolicy } from '../line-endings/line-ending.policy.js';
import { MessageSpool } from '../message/message-spool.js';
import { kRuntime, toSmtpAddress, type FumiServerInfo, type FumiSession } from './fumi-session.js';
import type { ResolvedServerOptions } from './resolved-server-options.js';
import { sessionOf } from './session-carrier.js';
import type { SessionEventReporter } from './session-event.reporter.js';
import { ClosePhase, PhaseReply } from './phase-outcomes.js';
import { letGo } from './timed-chain.js';

type Callback = (error?: SMTPServerError | null) => void;

/** smtp-server's callbacks, which the phase runner answers. */
export type PhaseCallbacks = Required<
  Pick<SMTPServerOptions, 'onConnect' | 'onSecure' | 'onAuth' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>
>;

/** What a phase runner works with: one running server's pieces. */
export interface PhaseRunnerDeps {
  readonly options: ResolvedServerOptions;
  readonly chains: FumiChains;
  readonly info: FumiServerInfo;
  readonly events: SessionEventReporter;
  readonly lineEndings: LineEndingPolicy;
  readonly authPolicy: AuthAttemptPolicy;
  readonly logger: Logger;
  readonly toError: (exception: SmtpException) => SMTPServerError;
  /** The largest message smtp-server takes now, `Infinity` for no limit. */
  readonly messageSize: () => number;
}

/**
 * Answers smtp-server's callbacks: each one becomes the phase's session context, runs through
 * the phase's chain (Nest's pipeline), and its outcome becomes exactly one reply.
 */
export class PhaseRunner {
  constructor(private readonly deps: PhaseRunnerDeps) {}

  /** The callbacks for the smtp-server constructor. */
  callbacks(): PhaseCallbacks {
    return {
      onConnect: (session, cb) => this.run('connect', new ConnectContext(this.session(session)), cb),
      onSecure: (socket, session, cb) =>
        this.run('secure', new SecureContext(this.session(session), socket as TLSSocket), cb),
      onAuth: (auth, session, cb) => this.onAuth(auth, session, cb),
      onMailFrom: (address, session, cb) => this.onMailFrom(address, session, cb),
      onRcptTo: (address, session, cb) =>
        this.run('rcptTo', new RcptToContext(this.session(session), toSmtpAddress(address)), cb),
      onData: (stream, session, cb) => this.onData(stream, session, cb),
      onClose: (session) => this.onClose(session),
    };
  }

  private session(raw: SMTPServerSession): FumiSession {
    return sessionOf(raw, this.deps.info);
  }

  private onAuth(
    auth: SMTPServerAuthentication,
    raw: SMTPServerSession,
    cb: (error: SMTPServerError | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): void {
    const { authPolicy, toError, logger } = this.deps;
    const session = this.session(raw);
    // guard() refused this before the exchange already; this holds should that hook be missing.
    const insecure = authPolicy.tlsRefusal(session, auth.method);
    if (insecure) return cb(toError(insecure));
    const previousUser: unknown = raw.user;
    const ctx = new AuthContext(session, auth);
    this.run('auth', ctx, (error) => {
      if (!error && ctx.accepted) {
        authPolicy.accepted(session);
        return cb(null, { user: raw.user });
      }
      // A handler may have accepted before a later one refused: the client is not logged in.
      raw.user = previousUser;
      const refusal = error ?? toError(SmtpException.of(REPLIES.authFailed));
      authPolicy
        .refuse(session, auth, refusal, cb)
        .catch((failure: unknown) => logger.warn(MESSAGES.handlerFailed('auth', session.id, failure)));
    });
  }

  private onMailFrom(address: SMTPServerAddress, raw: SMTPServerSession, cb: Callback): void {
    const session = this.session(raw);
    if (this.deps.options.requireTLS && !session.secure) {
      return cb(this.deps.toError(SmtpException.of(REPLIES.tlsRequired)));
    }
    session[kRuntime].pendingSender = address;
    this.run('mailFrom', new MailFromContext(session, toSmtpAddress(address)), (error) => {
      session[kRuntime].pendingSender = undefined;
      cb(error);
    });
  }

  private onData(
    stream: SMTPServerDataStream,
    raw: SMTPServerSession,
    cb: (error?: SMTPServerError | null, message?: SMTPServerDataResult[]) => void,
  ): void {
    const { lineEndings, events, options, chains, info } = this.deps;
    const content = lineEndings.message(stream, this.deps.messageSize());
    const refuse = () => lineEndings.refuseMessage(raw, cb);
    // Without data handlers smtp-server drains the message itself: no spool needed.
    if (!chains.data) {
      if (events.observed) {
        const started = performance.now();
        const session = this.session(raw);
        stream.once('end', () =>
          events.emit('data', session, started, { size: stream.byteLength, tooLarge: stream.sizeExceeded }),
        );
      }
      return content.answer(() => cb(), refuse);
    }
    const spool = new MessageSpool({ ...options.spool, maxBytes: content.storedLimit, stallTimeout: options.handlerTimeout.data });
    content.pipeTo(spool);
    const ctx = new DataContext(this.session(raw), spool, stream);
    // The handler timeout bounds the handlers' own work, so it starts once the message is in.
    this.run(
      'data',
      ctx,
      (error) => {
        void spool.dispose();
        content.answer(() => {
          if (error || !info.lmtp) return cb(error);
          cb(null, this.lmtpReplies(ctx));
        }, refuse);
      },
      spool.done,
    );
  }

  /** One reply per recipient, in RCPT order: what the handlers refused, 250 for the rest. */
  private lmtpReplies(ctx: DataContext): SMTPServerDataResult[] {
    const rejected = ctx.recipientRejections();
    return ctx.session.envelope.rcptTo.map((recipient, index) => {
      const refusal = rejected.get(index);
      return refusal ? this.deps.toError(refusal) : `OK: <${recipient.address}> message accepted`;
    });
  }

  private onClose(raw: SMTPServerSession): void {
    const { chains, events, options, logger } = this.deps;
    const chain = chains.close;
    const ctx = new CloseContext(this.session(raw));
    if (events.observed) events.report(ctx, performance.now());
    if (chain) new ClosePhase('close', ctx, options.handlerTimeout.close, logger).start(chain);
    // smtp-server calls this once per connection: the open connection's own hold goes.
    letGo(ctx.session[kRuntime]);
  }

  /** Runs a phase's chain; its end becomes `cb`'s one call (see `PhaseReply`). */
  private run(phase: SmtpPhase, ctx: SmtpContext, cb: Callback, timerStart?: Promise<void>): void {
    const { chains, events } = this.deps;
    const chain = chains[phase];
    const started = events.observed ? performance.now() : 0;
    if (!chain) {
      if (started) events.report(ctx, started);
      return cb();
    }
    new PhaseReply(phase, ctx, this.deps, cb, started).start(chain, timerStart);
  }
}
