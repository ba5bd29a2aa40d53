import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataResult,
  type SMTPServerDataStream,
  type SMTPServerError,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import { AuthAttemptPolicy } from '../auth/auth-attempt.policy.js';
import { AuthFailureLimiter } from '../auth/auth-failure.limiter.js';
import { LineEndingPolicy } from '../line-endings/line-ending.policy.js';
import { SessionLimits } from '../limits/session-limits.js';
import { AuthContext } from '../context/auth.context.js';
import { CloseContext } from '../context/close.context.js';
import { ConnectContext } from '../context/connect.context.js';
import { DataContext } from '../context/data.context.js';
import { MailFromContext } from '../context/mail-from.context.js';
import { RcptToContext } from '../context/rcpt-to.context.js';
import { SecureContext } from '../context/secure.context.js';
import type { SmtpContext } from '../context/smtp.context.js';
import { FumiBootstrapError } from '../errors/fumi-bootstrap.error.js';
import { isPromiseLike, type MaybePromise } from '../execution/maybe-async.js';
import { MessageSpool } from '../message/message-spool.js';
import {
  batchReplies,
  checkEngineVersion,
  keepOwnEnhancedCodes,
  onEachConnection,
  type ConnectionHook,
  type SmtpConnection,
} from '../smtp-server/index.js';
import { refuseMalformedAddresses } from '../hardening/address-encoding.js';
import { OpenSockets } from './open-sockets.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { clientLimits } from '../limits/client-limits.plugin.js';
import { acceptProxyProtocol } from '../proxy/proxy-protocol.listener.js';
import type { FumiEvents } from './fumi-events.js';
import type { FumiChains, FumiHandlerRegistry } from '../discovery/fumi-handler.registry.js';
import type { FumiChain } from '../discovery/fumi-chain.js';
import { MESSAGES, REPLIES } from '../fumi.messages.js';
import { validateFumiOptions } from '../options/fumi-options.validator.js';
import { FumiSession, type FumiServerInfo, kRuntime, type SessionRuntime, toSmtpAddress } from './fumi-session.js';
import type { FumiModuleOptions } from '../options/fumi-module-options.interface.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { toSmtpReply } from '../execution/smtp-reply.mapper.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import { SMTP_SERVER_OPTION_KEYS } from '../options/smtp-server-option-keys.js';
import { resolveServerOptions, type ResolvedServerOptions } from './resolved-server-options.js';
import type { FumiCertificateOptions } from '../tls/certificate.loader.js';
import { ServerCertificates } from '../tls/server-certificates.js';

type Callback = (error?: SMTPServerError | null) => void;

/**
 * Where a connection's `FumiSession` is kept: on smtp-server's own session object, under a
 * symbol, so that it goes with the session (a WeakMap entry's value would hold its own key).
 */
const kFumiSession = Symbol('fumi.session');
type SessionCarrier = SMTPServerSession & { [kFumiSession]?: FumiSession };

/**
 * One running SMTP server. Inject it (`FumiServer` for the default server,
 * `@InjectFumiServer(name)` for a named one) to read its address or connection count.
 *
 * Lifecycle: handlers are bound in `onModuleInit`, the server listens in
 * `onApplicationBootstrap` (so no client meets a server without its handlers), and on shutdown
 * it stops accepting, closes idle sessions, lets commands in progress finish within
 * `closeTimeout`, then closes.
 */
export class FumiServer implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly certificates: ServerCertificates;
  private readonly authPolicy: AuthAttemptPolicy;
  private readonly lineEndings: LineEndingPolicy;
  private readonly options: ResolvedServerOptions;
  private readonly sessionLimits: SessionLimits;
  private smtp?: SMTPServer;
  private sockets?: OpenSockets;
  private chains: FumiChains = {};
  private info!: FumiServerInfo;
  private closing?: Promise<void>;
  private readonly plugins: PluginHost;

  constructor(
    /** The server's name (`'default'` unless `forRoot({ name })` says otherwise). */
    readonly name: string,
    options: FumiModuleOptions,
    private readonly registry: FumiHandlerRegistry,
    private readonly events: FumiEvents,
  ) {
    validateFumiOptions(options, name);
    const resolved = (this.options = resolveServerOptions(options));
    registry.registerServer(name);
    this.plugins = new PluginHost(name, registry);
    // Limits go first: at equal (outermost) priority, earlier plugins run earlier.
    if (resolved.clientLimits) this.plugins.install([clientLimits(resolved.clientLimits, name)]);
    this.plugins.install([...resolved.plugins]);
    this.logger = new Logger(`FumiServer:${name}`);

    this.certificates = new ServerCertificates(options, resolved.watchCertificates, name, this.logger);
    const limiter = new AuthFailureLimiter(resolved.authFailureLimits, (error) =>
      this.logger.warn(MESSAGES.authLimiterFailed(name, error)),
    );
    this.authPolicy = new AuthAttemptPolicy(resolved.allowInsecureAuth, limiter, (e) => this.toError(e));
    this.lineEndings = new LineEndingPolicy(resolved.bareLineFeeds, (e) => this.toError(e));
    this.sessionLimits = new SessionLimits(resolved.sessionLimits, (e) => this.toError(e));
  }

  /** The bound address: with `port: 0`, the port the system picked. Throws before listening. */
  address(): AddressInfo {
    const address = this.smtp?.server.address();
    if (!address || typeof address === 'string') {
      throw new FumiBootstrapError(`SMTP server "${this.name}" is not listening`);
    }
    return address;
  }

  /** Open client connections right now. */
  get connections(): number {
    return this.smtp?.connections.size ?? 0;
  }

  /** `true` from listening until shutdown starts. */
  get listening(): boolean {
    return !!this.smtp?.server.listening && !this.closing;
  }

  /**
   * Re-reads the TLS certificates (files again, or the PEM given in `replacement`, whose fields
   * replace the configured ones) and swaps them in without a restart: connections made from now
   * on get them, open ones keep theirs. All or nothing: when the new certificates cannot be used
   * it throws `FumiOptionsError` naming the option, and the server keeps the current ones.
   *
   * @example
   * process.on('SIGHUP', () => server.reloadCertificates());
   */
  reloadCertificates(replacement?: FumiCertificateOptions): void {
    this.certificates.reload(this.unwrap(), replacement);
  }

  /** The smtp-server instance, for what the module does not cover. */
  unwrap(): SMTPServer {
    if (!this.smtp) throw new FumiBootstrapError(`SMTP server "${this.name}" has not started yet`);
    return this.smtp;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.chains = this.registry.chainsFor(this.name);
    checkEngineVersion((warning) => this.logger.warn(warning));
    this.smtp = new SMTPServer(this.smtpOptions());
    this.sockets = new OpenSockets(this.smtp.server);
    onEachConnection(this.smtp, ...this.connectionHooks());
    if (this.options.proxyProtocol) acceptProxyProtocol(this.smtp, this.options.proxyProtocol, (m) => this.logger.warn(m));
    // smtp-server re-emits socket errors; unheard, an EventEmitter 'error' would end the process.
    // Before listening, errors are the listen failure that listen() reports.
    this.smtp.on('error', (error: Error) => {
      if (this.smtp?.server.listening) this.logger.warn(`connection error: ${error.message}`);
    });
    await this.listen(this.smtp);
    this.certificates.watch(this.smtp);
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /**
   * Stops accepting connections, closes idle sessions with 421, lets sessions with a command in
   * progress finish it (up to `closeTimeout`), then closes what is left. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** What every new connection gets before its greeting. */
  private connectionHooks(): ConnectionHook[] {
    const hooks: ConnectionHook[] = [
      this.sessionLimits.guard,
      (connection) => refuseMalformedAddresses(connection, (reply) => this.send(connection, reply)),
      this.lineEndings.guard,
      batchReplies,
    ];
    if (this.enhancedCodes) hooks.push(keepOwnEnhancedCodes);
    if (this.info.authEnabled) hooks.push((connection) => this.authPolicy.guard(connection, this.session(connection.session)));
    return hooks;
  }

  private smtpOptions(): SMTPServerOptions {
    const o = this.options;
    const passthrough: SMTPServerOptions = {};
    for (const key of SMTP_SERVER_OPTION_KEYS) {
      if (o.given[key] !== undefined) (passthrough as Record<string, unknown>)[key] = o.given[key];
    }
    // certificate files read, in place of their paths
    Object.assign(passthrough, this.certificates.smtpOptions);
    const disabled = new Set(o.disabledCommands);
    // Without an @OnAuth handler nobody could ever log in, and smtp-server would still demand
    // AUTH before MAIL FROM: a server without auth handlers does not offer AUTH.
    if (!this.chains.auth) disabled.add('AUTH');
    // smtp-server would otherwise serve its built-in certificate, whose private key is public:
    // TLS that protects nothing. Without a certificate of the user's, STARTTLS is off.
    const hasCertificate = this.certificates.configured;
    if (!hasCertificate && !o.secure && !disabled.has('STARTTLS')) {
      disabled.add('STARTTLS');
      if (!o.hideSTARTTLS) this.logger.warn(MESSAGES.noCertificate(this.name));
      // AUTH needs TLS (unless allowInsecureAuth), which no client can have here.
      if (!disabled.has('AUTH') && !o.allowInsecureAuth) this.logger.warn(MESSAGES.authNeedsTls(this.name));
    }
    this.info = { name: this.name, hostname: o.hostname, lmtp: o.lmtp, authEnabled: !disabled.has('AUTH') };
    const size = Math.min(o.size, this.plugins.limitedSize ?? Number.POSITIVE_INFINITY);
    return {
      ...passthrough,
      ...(Number.isFinite(size) ? { size } : {}),
      // Left out, smtp-server greets with the OS host name itself.
      ...(o.given.hostname ? { name: o.given.hostname } : {}),
      maxRecipients: o.maxRecipients,
      disabledCommands: [...disabled],
      hideENHANCEDSTATUSCODES: !o.enhancedCodes,
      rejectOversized: o.rejectOversized,
      closeTimeout: o.closeTimeout,
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

  private listen(smtp: SMTPServer): Promise<void> {
    const { port, host } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          new FumiBootstrapError(
            `SMTP server "${this.name}" cannot listen on ${host}:${port}: ${error.message}`,
          ),
        );
      };
      smtp.server.once('error', onError);
      smtp.listen(port, host, () => {
        smtp.server.off('error', onError);
        const { address, port: bound } = this.address();
        this.logger.log(MESSAGES.listening(this.name, `${address}:${bound}`));
        resolve();
      });
    });
  }

  /** The same `FumiSession` for every callback of one connection. */
  private session(raw: SMTPServerSession): FumiSession {
    return ((raw as SessionCarrier)[kFumiSession] ??= new FumiSession(raw, this.info));
  }

  private onAuth(
    auth: SMTPServerAuthentication,
    raw: SMTPServerSession,
    cb: (error: SMTPServerError | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): void {
    const session = this.session(raw);
    // guard() refused this before the exchange already; this holds should that hook be missing.
    const insecure = this.authPolicy.tlsRefusal(session, auth.method);
    if (insecure) return cb(this.toError(insecure));
    const previousUser: unknown = raw.user;
    const ctx = new AuthContext(session, auth);
    this.run('auth', ctx, (error) => {
      if (!error && ctx.accepted) {
        this.authPolicy.accepted(session);
        return cb(null, { user: raw.user });
      }
      // A handler may have accepted before a later one refused: the client is not logged in.
      raw.user = previousUser;
      const refusal = error ?? this.toError(SmtpException.of(REPLIES.authFailed));
      this.authPolicy
        .refuse(session, auth, refusal, cb)
        .catch((failure: unknown) => this.logger.warn(MESSAGES.handlerFailed('auth', session.id, failure)));
    });
  }

  private onMailFrom(address: SMTPServerAddress, raw: SMTPServerSession, cb: Callback): void {
    const session = this.session(raw);
    if (this.options.requireTLS && !session.secure) {
      return cb(this.toError(SmtpException.of(REPLIES.tlsRequired)));
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
    const content = this.lineEndings.message(stream, this.smtp?.options.size || Number.POSITIVE_INFINITY);
    const refuse = () => this.lineEndings.refuseMessage(raw, cb);
    // Without data handlers smtp-server drains the message itself: no spool needed.
    if (!this.chains.data) {
      if (this.events.observed) {
        const started = performance.now();
        const session = this.session(raw);
        stream.once('end', () =>
          this.emitEvent('data', session, started, { size: stream.byteLength, tooLarge: stream.sizeExceeded }),
        );
      }
      return content.answer(() => cb(), refuse);
    }
    const spool = new MessageSpool({ ...this.options.spool, maxBytes: content.storedLimit, stallTimeout: this.timeoutFor('data') });
    content.pipeTo(spool);
    const ctx = new DataContext(this.session(raw), spool, stream);
    // The handler timeout bounds the handlers' own work, so it starts once the message is in.
    this.run(
      'data',
      ctx,
      (error) => {
        void spool.dispose();
        content.answer(() => {
          if (error || !this.info.lmtp) return cb(error);
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
      return refusal ? this.toError(refusal) : `OK: <${recipient.address}> message accepted`;
    });
  }

  private onClose(raw: SMTPServerSession): void {
    const chain = this.chains.close;
    const ctx = new CloseContext(this.session(raw));
    if (this.events.observed) this.report(ctx, performance.now());
    if (chain) {
      const failed = (error: unknown) => this.logger.error(MESSAGES.closeHandlerFailed(raw.id, error));
      this.startChain('close', ctx, chain, () => undefined, failed);
    }
    // smtp-server calls this once per connection: the open connection's own hold goes.
    letGo(ctx.session[kRuntime]);
  }

  /**
   * Runs a phase's chain and answers smtp-server exactly once: success, the chain's refusal, or
   * 451 when it fails unexpectedly or outlives the handler timeout.
   */
  private run(phase: SmtpPhase, ctx: SmtpContext, cb: Callback, timerStart?: Promise<void>): void {
    const chain = this.chains[phase];
    const started = this.events.observed ? performance.now() : 0;
    if (!chain) {
      if (started) this.report(ctx, started);
      return cb();
    }
    const runtime = ctx.session[kRuntime];
    const succeed = () => {
      runtime.busy = false;
      if (started) this.report(ctx, started);
      cb();
    };
    const fail = (error: unknown) => {
      runtime.busy = false;
      const { exception, unexpected } = toSmtpReply(error);
      if (unexpected) this.logger.warn(MESSAGES.handlerFailed(phase, ctx.session.id, error));
      if (started) this.report(ctx, started, exception);
      cb(this.toError(exception));
    };
    runtime.busy = true;
    this.startChain(phase, ctx, chain, succeed, fail, timerStart);
  }

  /** Tells `FumiEvents` subscribers how a phase ended. */
  private report(ctx: SmtpContext, started: number, refusal?: SmtpException): void {
    const data = ctx instanceof DataContext;
    this.emitEvent(ctx.phase, ctx.session, started, {
      refusal,
      address: ctx instanceof MailFromContext || ctx instanceof RcptToContext ? ctx.address.address : undefined,
      size: data ? ctx.byteLength : undefined,
      tooLarge: data && ctx.sizeExceeded,
    });
  }

  private emitEvent(
    phase: SmtpPhase,
    session: FumiSession,
    started: number,
    outcome: { refusal?: SmtpException; address?: string; size?: number; tooLarge?: boolean },
  ): void {
    const { refusal, address, size, tooLarge } = outcome;
    this.events.emit({
      server: this.name,
      sessionId: session.id,
      phase,
      time: Date.now(),
      remoteAddress: session.remoteAddress,
      ...(session.clientHostname ? { clientHostname: session.clientHostname } : {}),
      ...(session.user !== undefined ? { user: describeUser(session.user) } : {}),
      ...(address !== undefined ? { address } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(session.tls ? { tls: session.tls.version } : {}),
      ...(phase === 'close' ? {} : { code: refusal?.responseCode ?? (tooLarge ? 552 : SUCCESS_CODES[phase]) }),
      ...(refusal ? { message: refusal.message } : {}),
      ok: !refusal && !tooLarge,
      durationMs: performance.now() - started,
    });
  }

  /**
   * Runs a phase's chain and reports its end once: `done()` at once when its handlers returned
   * at once (answered in the same tick, as smtp-server's own callbacks), `done()` or
   * `failed(error)` when its promise settles, or `failed()` with a 451 4.4.2 refusal once it has
   * run longer than allowed. One timer per asynchronous chain and no promise of its own: a race
   * of promises cost more than the Nest pipeline of a plain handler, and a wrapping promise
   * four more objects per command.
   */
  private startChain(
    phase: SmtpPhase,
    ctx: SmtpContext,
    chain: FumiChain,
    done: () => void,
    failed: (error: unknown) => void,
    timerStart?: Promise<void>,
  ): void {
    const runtime = ctx.session[kRuntime];
    runtime.holds++;
    let outcome: MaybePromise<void>;
    try {
      outcome = chain(ctx);
    } catch (error) {
      letGo(runtime);
      return failed(error);
    }
    if (!isPromiseLike(outcome)) {
      letGo(runtime);
      return done();
    }
    const ms = this.timeoutFor(phase);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const startTimer = () => {
      if (settled) return;
      timer = setTimeout(() => {
        settled = true;
        this.logger.warn(MESSAGES.handlerTimedOut(phase, ctx.session.id, ms));
        failed(SmtpException.of(REPLIES.handlerTimeout));
      }, ms);
      timer.unref();
    };
    if (timerStart) void timerStart.then(startTimer);
    else startTimer();
    // A chain that settles after the timeout is ignored, its rejection included.
    outcome.then(
      () => {
        letGo(runtime);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done();
      },
      (error: unknown) => {
        letGo(runtime);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        failed(error);
      },
    );
  }

  private timeoutFor(phase: SmtpPhase): number {
    return this.options.handlerTimeout[phase];
  }

  /**
   * RFC 2034 enhanced codes are advertised unless the user hides them; then replies carry none.
   * With them, a reply that names its own code keeps it (see `keepOwnEnhancedCodes`) and one that
   * names none gets smtp-server's choice for its reply code.
   */
  private get enhancedCodes(): boolean {
    return this.options.enhancedCodes;
  }

  /** One of the module's canned replies, with its enhanced code when the client takes them. */
  private send(connection: SmtpConnection, reply: { code: number; enhanced: string; text: string }): void {
    connection.send(reply.code, this.toError(SmtpException.of(reply)).message);
  }

  private toError(exception: SmtpException): SMTPServerError {
    const text =
      exception.enhancedCode && this.enhancedCodes ? `${exception.enhancedCode} ${exception.message}` : exception.message;
    return Object.assign(new Error(text), { responseCode: exception.responseCode });
  }

  private shutdown(): Promise<void> {
    this.certificates.close();
    const smtp = this.smtp;
    if (!smtp) return Promise.resolve();
    const grace = this.options.closeTimeout;
    if (smtp.connections.size) this.logger.log(MESSAGES.closing(this.name, smtp.connections.size, grace));
    return new Promise<void>((resolve) => {
      // Sessions between commands have nothing to lose: close them now rather than wait out
      // the grace period; busy ones are closed as soon as their command has been answered.
      const told = new WeakSet<object>();
      const closeIdle = () => {
        for (const connection of smtp.connections) {
          if (told.has(connection) || (connection.session as SessionCarrier)[kFumiSession]?.[kRuntime].busy) continue;
          told.add(connection);
          connection.send(421, 'Server shutting down');
        }
        // Every session has been answered: what is left are clients yet to close their side.
        if (smtp.connections.size === 0) this.sockets?.release();
      };
      const sweeper = setInterval(closeIdle, 25);
      smtp.close(() => {
        clearInterval(sweeper);
        resolve();
      });
      closeIdle();
    });
  }
}

/** The reply a phase gets when its chain accepts. */
const SUCCESS_CODES: Record<SmtpPhase, number | undefined> = {
  connect: 220,
  secure: 220,
  auth: 235,
  mailFrom: 250,
  rcptTo: 250,
  data: 250,
  close: undefined,
};

/** A user as a short string for events: objects by their usual identifying field. */
function describeUser(user: unknown): string {
  if (typeof user === 'object' && user !== null) {
    const { id, username, name } = user as Record<string, unknown>;
    return String(id ?? username ?? name ?? '[user]');
  }
  return String(user);
}

/**
 * Drops one hold on the connection's DI sub-tree. Once the connection is closed and none of its
 * chains is running any more (one that outlived its timeout included), the session drops the
 * sub-tree's context id, and with it everything Nest built for the connection.
 */
function letGo(runtime: SessionRuntime): void {
  if (--runtime.holds === 0) runtime.releaseContext?.(runtime);
}
