import type { SMTPServerOptions } from 'smtp-server';
import type { FumiPlugin } from '../plugins/fumi-plugin.interface.js';
import type { FumiClientLimits } from './fumi-client-limits.interface.js';
import type { ProxyProtocolOptions } from '../proxy/proxy-protocol-options.interface.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import type { SMTP_SERVER_OPTION_KEYS } from './smtp-server-option-keys.js';
import type { FumiHardeningOptions } from './fumi-hardening-options.interface.js';
import type { FumiSecurityOptions } from './fumi-security-options.interface.js';

/** smtp-server options a user may set, with smtp-server's own types. Its `on*` callbacks are ours. */
export type FumiSmtpServerOptions = Pick<SMTPServerOptions, (typeof SMTP_SERVER_OPTION_KEYS)[number]>;

/**
 * Options of one SMTP server: `FumiModule.forRoot(options)`.
 *
 * @example
 * FumiModule.forRoot({ port: 2525, size: 10 * 1024 * 1024, authOptional: true })
 */
export interface FumiModuleOptions extends FumiSmtpServerOptions, FumiSecurityOptions, FumiHardeningOptions {
  /** TCP port; `0` picks a free one (see `FumiServer.address()`). Default 2525. */
  port?: number;
  /** Interface to listen on. Default `0.0.0.0`. */
  host?: string;
  /**
   * The host name the server greets with and writes in `Received:` headers (smtp-server's
   * `name`). Default: the OS host name.
   */
  hostname?: string;
  /**
   * Longest a phase's chain may take before the client gets `451 4.4.2` and the session is
   * freed (smtp-server suspends its idle timeout while a handler runs). Milliseconds, for all
   * phases or per phase; default 30 000. For `data` it counts from the end of the message.
   */
  handlerTimeout?: number | Partial<Record<SmtpPhase, number>>;
  /**
   * On shutdown, how long sessions with a command in progress may take to finish before they
   * are cut with 421; idle sessions are closed at once. Milliseconds, default 5000
   * (smtp-server's own default, 30 s, would stall every deploy).
   */
  closeTimeout?: number;
  /**
   * Bytes of a message kept in memory while `@OnData` handlers look at it, the newest ones; older
   * bytes are spooled to a temporary file (removed after the transaction), once there are 256 KiB
   * of them (a quarter of this size when less), so a message up to this size never touches the
   * disk. Default 1 MiB.
   */
  spoolThreshold?: number;
  /**
   * Where spool files go. Default `os.tmpdir()`. `false`: no spool file, for handlers that read
   * each message once as it arrives (to a webhook or object storage, say), without the disk's
   * cost. Memory still keeps the newest `spoolThreshold` bytes; older ones stay only until every
   * open stream has read them, a slow reader holding the client back. A stream opened after
   * that (a second `ctx.stream` once the first has read past the threshold) fails, and so does
   * its handler: open every stream, `buffer()` and `parse()` before reading any, and read them
   * together. A client held back with no stream reading on for the data `handlerTimeout` fails
   * the message (451).
   */
  spoolDirectory?: string | false;
  /**
   * fumi-style plugins for this server: built-ins (`denylist()`, `rcptFilter()`, `logger()`, ...)
   * or your own `(app) => { app.onMailFrom((ctx, next) => ...) }`.
   */
  plugins?: FumiPlugin[];
  /**
   * Per-client connection and message limits (`421 4.7.0`), counted per address, IPv6 per /64.
   * Default: 50 open connections per address, loopback exempt; `false` turns them all off.
   */
  limits?: FumiClientLimits | false;
  /**
   * Behind TCP load balancers that send a PROXY protocol header (v1 or v2): read it from the
   * `trustedProxies` only, so that `session.remoteAddress` is the real client's. Replaces
   * smtp-server's `useProxy` (v1 only, exact addresses). Default: off.
   */
  proxyProtocol?: ProxyProtocolOptions | false;
}

/** Extras of `forRoot()`/`forRootAsync()` that shape the module itself rather than the server. */
export interface FumiModuleExtras {
  /**
   * The server's name, for apps with several (an MX on 25 and a submission server on 587).
   * Handlers pick it with `@OnRcptTo({ server: name })`; inject it with
   * `@InjectFumiServer(name)`. Default `'default'`.
   */
  name?: string;
}
