import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerError, type SMTPServerOptions } from 'smtp-server';
import { AuthAttemptPolicy } from '../auth/auth-attempt.policy.js';
import { AuthFailureLimiter } from '../auth/auth-failure.limiter.js';
import type { FumiChains, FumiHandlerRegistry } from '../discovery/fumi-handler.registry.js';
import { FumiBootstrapError } from '../errors/fumi-bootstrap.error.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { MESSAGES, type CannedReply } from '../fumi.messages.js';
import { refuseMalformedAddresses } from '../hardening/address-encoding.js';
import { clientLimits } from '../limits/client-limits.plugin.js';
import { SessionLimits } from '../limits/session-limits.js';
import { SlowClientLimits } from '../limits/slow-client-limits.js';
import { LineEndingPolicy } from '../line-endings/line-ending.policy.js';
import type { FumiModuleOptions } from '../options/fumi-module-options.interface.js';
import { validateFumiOptions } from '../options/fumi-options.validator.js';
import { SMTP_SERVER_OPTION_KEYS } from '../options/smtp-server-option-keys.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { acceptProxyProtocol } from '../proxy/proxy-protocol.listener.js';
import {
  batchReplies,
  checkEngineVersion,
  keepOwnEnhancedCodes,
  onEachConnection,
  type ConnectionHook,
  type SmtpConnection,
} from '../smtp-server/index.js';
import type { FumiCertificateOptions } from '../tls/certificate.loader.js';
import { ServerCertificates } from '../tls/server-certificates.js';
import type { FumiEvents } from './fumi-events.js';
import type { FumiServerInfo } from './fumi-session.js';
import { closeGracefully } from './graceful-shutdown.js';
import { SpoolArea } from '../message/spool-area.js';
import { OpenSockets } from './open-sockets.js';
import { PhaseRunner } from './phase-runner.js';
import { resolveServerOptions, type ResolvedServerOptions } from './resolved-server-options.js';
import { sessionOf } from './session-carrier.js';
import { SessionEventReporter } from './session-event.reporter.js';
import { toSmtpServerError } from './smtp-server-error.js';

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
  private readonly options: ResolvedServerOptions;
  private readonly logger: Logger;
  private readonly plugins: PluginHost;
  private readonly certificates: ServerCertificates;
  private readonly authPolicy: AuthAttemptPolicy;
  private readonly lineEndings: LineEndingPolicy;
  private readonly sessionLimits: SessionLimits;
  private readonly slowClientLimits: SlowClientLimits;
  private readonly events: SessionEventReporter;
  private smtp?: SMTPServer;
  private sockets?: OpenSockets;
  private spoolArea?: SpoolArea;
  private info!: FumiServerInfo;
  private closing?: Promise<void>;

  constructor(
    /** The server's name (`'default'` unless `forRoot({ name })` says otherwise). */
    readonly name: string,
    options: FumiModuleOptions,
    private readonly registry: FumiHandlerRegistry,
    events: FumiEvents,
  ) {
    validateFumiOptions(options, name);
    const resolved = (this.options = resolveServerOptions(options));
    registry.registerServer(name);
    this.plugins = new PluginHost(name, registry);
    // Limits go first: at equal (outermost) priority, earlier plugins run earlier.
    if (resolved.clientLimits) this.plugins.install([clientLimits(resolved.clientLimits, name)]);
    this.plugins.install([...resolved.plugins]);
    this.logger = new Logger(`FumiServer:${name}`);
    this.events = new SessionEventReporter(name, events);

    this.certificates = new ServerCertificates(options, resolved.watchCertificates, name, this.logger);
    const limiter = new AuthFailureLimiter(resolved.authFailureLimits, (error) =>
      this.logger.warn(MESSAGES.authLimiterFailed(name, error)),
    );
    this.authPolicy = new AuthAttemptPolicy(resolved.allowInsecureAuth, limiter, (e) => this.toError(e));
    this.lineEndings = new LineEndingPolicy(resolved.bareLineFeeds, (e) => this.toError(e));
    this.sessionLimits = new SessionLimits(resolved.sessionLimits, (connection, reply) => this.send(connection, reply));
    this.slowClientLimits = new SlowClientLimits(resolved.slowClientLimits, (connection, reply) => this.send(connection, reply));
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
    const chains = this.registry.chainsFor(this.name);
    checkEngineVersion((warning) => this.logger.warn(warning));
    const spoolDirectory = this.options.spool.directory;
    if (spoolDirectory !== false) {
      this.spoolArea = await SpoolArea.open(spoolDirectory, (files) => this.logger.log(MESSAGES.spoolSwept(this.name, files)));
    }
    this.smtp = new SMTPServer(this.smtpOptions(chains));
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
      this.slowClientLimits.guard,
      (connection) => refuseMalformedAddresses(connection, (reply) => this.send(connection, reply)),
      this.lineEndings.guard,
      batchReplies,
    ];
    // With enhanced codes, a reply that names its own keeps it; one that names none gets smtp-server's.
    if (this.options.enhancedCodes) hooks.push(keepOwnEnhancedCodes);
    if (this.info.authEnabled) {
      hooks.push((connection) => this.authPolicy.guard(connection, sessionOf(connection.session, this.info)));
    }
    return hooks;
  }

  /** smtp-server's options: the user's, with the module's decisions and its callbacks. */
  private smtpOptions(chains: FumiChains): SMTPServerOptions {
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
    if (!chains.auth) disabled.add('AUTH');
    // smtp-server would otherwise serve its built-in certificate, whose private key is public:
    // TLS that protects nothing. Without a certificate of the user's, STARTTLS is off.
    if (!this.certificates.configured && !o.secure && !disabled.has('STARTTLS')) {
      disabled.add('STARTTLS');
      if (!o.hideSTARTTLS) this.logger.warn(MESSAGES.noCertificate(this.name));
      // AUTH needs TLS (unless allowInsecureAuth), which no client can have here.
      if (!disabled.has('AUTH') && !o.allowInsecureAuth) this.logger.warn(MESSAGES.authNeedsTls(this.name));
    }
    this.info = { name: this.name, hostname: o.hostname, lmtp: o.lmtp, authEnabled: !disabled.has('AUTH') };
    const size = Math.min(o.size, this.plugins.limitedSize ?? Number.POSITIVE_INFINITY);
    const spool = { ...o.spool, directory: this.spoolArea?.directory ?? o.spool.directory };
    const runner = new PhaseRunner({
      options: { ...o, spool },
      chains,
      info: this.info,
      events: this.events,
      lineEndings: this.lineEndings,
      authPolicy: this.authPolicy,
      logger: this.logger,
      toError: (e) => this.toError(e),
      messageSize: () => this.smtp?.options.size || Number.POSITIVE_INFINITY,
    });
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
      ...runner.callbacks(),
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

  /** One of the module's canned replies, with its enhanced code when the client takes them. */
  private send(connection: SmtpConnection, reply: CannedReply): void {
    connection.send(reply.code, this.toError(SmtpException.of(reply)).message);
  }

  private toError(exception: SmtpException): SMTPServerError {
    return toSmtpServerError(exception, this.options.enhancedCodes);
  }

  private async shutdown(): Promise<void> {
    this.certificates.close();
    if (this.smtp) await closeGracefully(this.smtp, this.sockets, this.options.closeTimeout, this.name, this.logger);
    await this.spoolArea?.close();
  }
}
