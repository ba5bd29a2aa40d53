import { hostname, tmpdir } from 'node:os';
import { DEFAULT_AUTH_FAILURE_LIMITS } from '../auth/auth-failure-limits.interface.js';
import { SMTP_PHASES, type SmtpPhase } from '../context/smtp-phase.js';
import {
  DEFAULT_HANDLER_TIMEOUT,
  DEFAULT_HOST,
  DEFAULT_MAX_RECIPIENTS,
  DEFAULT_PORT,
  DEFAULT_SHUTDOWN_TIMEOUT,
  DEFAULT_SPOOL_THRESHOLD,
} from '../fumi.constants.js';
import { DEFAULT_CLIENT_LIMITS } from '../limits/client-limits.plugin.js';
import type { SessionLimitValues } from '../limits/session-limits.js';
import type { SlowClientLimitValues } from '../limits/slow-client-limits.js';
import type { RateLimit } from '../options/fumi-client-limits.interface.js';
import { DEFAULT_HARDENING_OPTIONS, type BareLineFeeds } from '../options/fumi-hardening-options.interface.js';
import type { FumiModuleOptions } from '../options/fumi-module-options.interface.js';
import type { FumiPlugin } from '../plugins/fumi-plugin.interface.js';
import type { ProxyProtocolVersion } from '../proxy/proxy-protocol-options.interface.js';
import type { CounterStore } from '../stores/counter-store.interface.js';
import { MemoryCounterStore } from '../stores/memory-counter.store.js';
import { DEFAULT_CERTIFICATE_WATCH_INTERVAL } from '../tls/certificate.watcher.js';

/** smtp-server's default idle timeout, which it also gives a peer to send a PROXY v1 header. */
const SMTP_SERVER_SOCKET_TIMEOUT = 60_000;

/** `limits` with every default applied. */
export interface ResolvedClientLimits {
  readonly connectionsPerAddress: number | false;
  readonly connectionRate: RateLimit | false;
  readonly messageRate: RateLimit | false;
  readonly store: CounterStore;
  readonly exempt: readonly string[];
}

/** `authFailureLimits` with every default applied; `false` turns both counts off. */
export interface ResolvedAuthFailureLimits {
  readonly perConnection: number | false;
  readonly perAddress: number | false;
  readonly window: number;
  readonly store: CounterStore;
}

/** `proxyProtocol` with its version and the header timeout decided. */
export interface ResolvedProxyProtocol {
  readonly trustedProxies: readonly string[];
  readonly version: ProxyProtocolVersion;
  /** How long a trusted proxy has to send its header: smtp-server's `socketTimeout`. */
  readonly headerTimeout: number;
}

/**
 * One server's options as it runs with them: every default applied here, once, so that no other
 * part of the server decides what an option left out means.
 */
export interface ResolvedServerOptions {
  /** The options as given: smtp-server's own options pass through from here as they are. */
  readonly given: FumiModuleOptions;
  readonly port: number;
  readonly host: string;
  /** The greeting's host name: `hostname`, or the OS host name. */
  readonly hostname: string;
  readonly lmtp: boolean;
  readonly secure: boolean;
  readonly hideSTARTTLS: boolean;
  readonly allowInsecureAuth: boolean;
  readonly requireTLS: boolean;
  /** RFC 2034 enhanced codes are advertised and written in replies (`!hideENHANCEDSTATUSCODES`). */
  readonly enhancedCodes: boolean;
  /** Upper-cased. */
  readonly disabledCommands: readonly string[];
  /** Largest message in bytes; `Infinity` for no limit (smtp-server's `0`). */
  readonly size: number;
  readonly maxRecipients: number;
  readonly rejectOversized: boolean;
  readonly closeTimeout: number;
  readonly handlerTimeout: Readonly<Record<SmtpPhase, number>>;
  readonly spool: { readonly threshold: number; readonly directory: string | false };
  readonly bareLineFeeds: BareLineFeeds;
  readonly sessionLimits: SessionLimitValues;
  readonly slowClientLimits: SlowClientLimitValues;
  readonly clientLimits: ResolvedClientLimits | false;
  readonly authFailureLimits: ResolvedAuthFailureLimits;
  readonly plugins: readonly FumiPlugin[];
  readonly proxyProtocol: ResolvedProxyProtocol | false;
  /** `watchCertificates`: how often the certificate files are checked, or `false`. */
  readonly watchCertificates: { readonly interval: number } | false;
}

/** Applies every default of a server option; `options` must have passed `validateFumiOptions()`. */
export function resolveServerOptions(options: FumiModuleOptions): ResolvedServerOptions {
  const hardening = DEFAULT_HARDENING_OPTIONS;
  return {
    given: options,
    port: options.port ?? DEFAULT_PORT,
    host: options.host ?? DEFAULT_HOST,
    hostname: options.hostname ?? hostname(),
    lmtp: !!options.lmtp,
    secure: !!options.secure,
    hideSTARTTLS: !!options.hideSTARTTLS,
    allowInsecureAuth: !!options.allowInsecureAuth,
    requireTLS: !!options.requireTLS,
    enhancedCodes: !options.hideENHANCEDSTATUSCODES,
    disabledCommands: (options.disabledCommands ?? []).map((c) => c.toUpperCase()),
    size: options.size || Number.POSITIVE_INFINITY,
    // RFC 5321 §4.5.3.1.8 asks servers to take at least 100 recipients; more is a spam signal.
    maxRecipients: options.maxRecipients ?? DEFAULT_MAX_RECIPIENTS,
    // smtp-server only flags an oversized message unless told to refuse it: refuse by default.
    rejectOversized: options.rejectOversized ?? true,
    closeTimeout: options.closeTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT,
    handlerTimeout: handlerTimeouts(options.handlerTimeout),
    // os.tmpdir() reads the environment on every call, a cost per message: read it once.
    spool: { threshold: options.spoolThreshold ?? DEFAULT_SPOOL_THRESHOLD, directory: options.spoolDirectory ?? tmpdir() },
    bareLineFeeds: options.bareLineFeeds ?? hardening.bareLineFeeds,
    sessionLimits: {
      maxSessionDuration: options.maxSessionDuration ?? hardening.maxSessionDuration,
      maxMessages: options.maxMessages ?? hardening.maxMessages,
      maxJunkCommands: options.maxJunkCommands ?? hardening.maxJunkCommands,
      maxHardErrors: options.maxHardErrors ?? hardening.maxHardErrors,
    },
    slowClientLimits: {
      commandLineTimeout: options.commandLineTimeout ?? hardening.commandLineTimeout,
      minDataRate: options.minDataRate ?? hardening.minDataRate,
      dataRateAllowance: options.dataRateAllowance ?? hardening.dataRateAllowance,
    },
    clientLimits: options.limits === false ? false : clientLimits(options.limits ?? {}),
    authFailureLimits: authFailureLimits(options.authFailureLimits),
    plugins: options.plugins ?? [],
    proxyProtocol: options.proxyProtocol
      ? {
          trustedProxies: options.proxyProtocol.trustedProxies,
          version: options.proxyProtocol.version ?? 'any',
          headerTimeout: options.socketTimeout ?? SMTP_SERVER_SOCKET_TIMEOUT,
        }
      : false,
    watchCertificates: options.watchCertificates
      ? {
          interval:
            (typeof options.watchCertificates === 'object' ? options.watchCertificates.interval : undefined) ??
            DEFAULT_CERTIFICATE_WATCH_INTERVAL,
        }
      : false,
  };
}

function handlerTimeouts(option: FumiModuleOptions['handlerTimeout']): Record<SmtpPhase, number> {
  const timeouts = {} as Record<SmtpPhase, number>;
  for (const phase of SMTP_PHASES) {
    timeouts[phase] = typeof option === 'number' ? option : (option?.[phase] ?? DEFAULT_HANDLER_TIMEOUT);
  }
  return timeouts;
}

function clientLimits(limits: NonNullable<Exclude<FumiModuleOptions['limits'], false>>): ResolvedClientLimits {
  return {
    connectionsPerAddress: limits.connectionsPerAddress ?? DEFAULT_CLIENT_LIMITS.connectionsPerAddress,
    connectionRate: limits.connectionRate ?? DEFAULT_CLIENT_LIMITS.connectionRate,
    messageRate: limits.messageRate ?? DEFAULT_CLIENT_LIMITS.messageRate,
    store: limits.store ?? new MemoryCounterStore(),
    exempt: limits.exempt ?? DEFAULT_CLIENT_LIMITS.exempt,
  };
}

function authFailureLimits(limits: FumiModuleOptions['authFailureLimits']): ResolvedAuthFailureLimits {
  if (limits === false) {
    return { perConnection: false, perAddress: false, window: DEFAULT_AUTH_FAILURE_LIMITS.window, store: new MemoryCounterStore() };
  }
  return {
    perConnection: limits?.perConnection ?? DEFAULT_AUTH_FAILURE_LIMITS.perConnection,
    perAddress: limits?.perAddress ?? DEFAULT_AUTH_FAILURE_LIMITS.perAddress,
    window: limits?.window || DEFAULT_AUTH_FAILURE_LIMITS.window,
    store: limits?.store || new MemoryCounterStore(),
  };
}
