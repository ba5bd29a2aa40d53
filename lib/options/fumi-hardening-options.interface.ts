/**
 * What to do with a line that ends in a bare LF (or a bare CR) instead of CRLF:
 *
 * - `'normalize'`: take it as a line end, as if the client had sent CRLF. Message content reaches
 *   the handlers with every bare LF and bare CR made CRLF, so nothing downstream can read a
 *   line end into the message that this server did not see. Commands ending in a bare LF run.
 * - `'reject'`: refuse with `550 5.5.2` and close the connection, for a command line (before it
 *   runs) and for a message (after its final dot; the handlers' streams fail, nothing is
 *   acknowledged).
 * - `'allow'`: pass content through byte for byte; commands ending in a bare LF run.
 *
 * Whatever the policy, only CRLF.CRLF ends a message: `\n.\n`, `\r.\r` and the like stay inside
 * it and never start a second transaction (SMTP smuggling, CVE-2023-51764 and kin).
 */
export type BareLineFeeds = 'normalize' | 'reject' | 'allow';

/**
 * Defences against hostile and broken clients (part of `FumiModuleOptions`): the line-ending
 * policy, and caps on how long and how busy one connection may be. smtp-server resets its idle
 * timeout (`socketTimeout`) on every byte and has no limit of its own on either, so without them
 * a client sending a byte or a NOOP now and then holds its connection for ever.
 */
export interface FumiHardeningOptions {
  /** Bare LF and bare CR in commands and message content. Default `'normalize'` (as Postfix). */
  bareLineFeeds?: BareLineFeeds;
  /**
   * Longest a connection may last, in ms, however active it is. When it is reached the client
   * gets `421 4.4.2` and the connection is closed: at once if the client was sending (a message
   * cut short is not acknowledged, so the client retries it), or right after the reply if a
   * handler was deciding on a complete command. Default 30 minutes; `false` for no limit.
   */
  maxSessionDuration?: number | false;
  /**
   * Messages (MAIL FROM commands) one connection may start. The next MAIL FROM is answered
   * `421 4.7.0` and the connection is closed; the client reconnects to carry on. Default 1000, as
   * Exim's `smtp_accept_max_per_connection`; `false` for no limit.
   */
  maxMessages?: number | false;
  /**
   * Commands that move no mail (NOOP, RSET, VRFY, EXPN, HELP, ETRN, unknown verbs, and greetings
   * after the second) one connection may send between two MAIL FROMs: the counter starts again at
   * each MAIL FROM. The next one is answered `421 4.7.0` and the connection is closed. Default
   * 100, as Postfix's `smtpd_junk_command_limit`; `false` for no limit.
   */
  maxJunkCommands?: number | false;
  /**
   * Refused commands (5xx replies) one connection may collect without a message being accepted:
   * the count starts again once a message gets its 250. The reply that reaches it is followed by
   * `421 4.7.0` and the end of the connection (address harvesting, a broken client in a loop).
   * Default 20, as Postfix's `smtpd_hard_error_limit`; `false` for no limit.
   */
  maxHardErrors?: number | false;
  /**
   * Longest a command line may take, in ms, from the moment the server has taken in its first
   * bytes: a line trickled a byte at a time (which restarts the idle timeout with every byte) is
   * answered `421 4.4.2` and the connection closed. Default 60000; `false` for no limit.
   */
  commandLineTimeout?: number | false;
  /**
   * Bytes a second a message must arrive at, as Postfix's `smtpd_min_data_rate`, counted over the
   * client's own time (not while a handler or the spool holds it back): a client that falls
   * `dataRateAllowance` behind it gets `421 4.4.2` and the connection closed, the message not
   * acknowledged. Default 500; `false` for no limit.
   */
  minDataRate?: number | false;
  /**
   * How far, in ms of the client's time, a message may fall behind `minDataRate` before it is cut:
   * it starts full and each `minDataRate` bytes add a second back, up to this, as Postfix's
   * `smtpd_timeout` does for its rate. So a client may pause mid-message; one trickling bytes
   * to keep the connection open cannot. Default 60000 (smtp-server's idle timeout).
   */
  dataRateAllowance?: number;
}

/** The values `FumiHardeningOptions` takes when left out. */
export const DEFAULT_HARDENING_OPTIONS = {
  bareLineFeeds: 'normalize',
  maxSessionDuration: 30 * 60_000,
  maxMessages: 1000,
  maxJunkCommands: 100,
  maxHardErrors: 20,
  commandLineTimeout: 60_000,
  minDataRate: 500,
  dataRateAllowance: 60_000,
} as const satisfies Required<FumiHardeningOptions>;
