import type { SmtpPhase } from './context/smtp-phase.js';

/** A reply the module sends itself: its code, RFC 3463 enhanced code and text. */
export interface CannedReply {
  readonly code: number;
  readonly enhanced: string;
  readonly text: string;
}

/** Sends a canned reply on a connection, with its enhanced code when the client takes them. */
export type SendReply<Connection> = (connection: Connection, reply: CannedReply) => void;

/** Reply texts the module sends itself, next to the codes they go with. */
export const REPLIES = {
  rejected: { code: 550, enhanced: '5.7.1', text: 'Requested action not taken' },
  authFailed: { code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' },
  authRequired: { code: 530, enhanced: '5.7.0', text: 'Authentication required' },
  accessDenied: { code: 550, enhanced: '5.7.1', text: 'Access denied' },
  connectionDenied: { code: 554, enhanced: '5.7.1', text: 'Access denied' },
  localError: { code: 451, enhanced: '4.3.0', text: 'Requested action aborted: local error in processing' },
  handlerTimeout: { code: 451, enhanced: '4.4.2', text: 'Requested action aborted: timed out, try again later' },
  clientLimit: {
    code: 421,
    enhanced: '4.7.0',
    tooManyConnections: 'Too many connections from your address, try again later',
    connectionRate: 'Too many connections from your address recently, try again later',
    messageRate: 'Too much mail from your address, try again later',
  },
  tooLarge: { code: 552, enhanced: '5.3.4', text: 'Message size exceeds fixed maximum message size' },
  /** RFC 3207 §4: the reply to a command the server accepts only over TLS. */
  tlsRequired: { code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' },
  /** RFC 4954 §6: temporary authentication failure, here a client address over its failure budget. */
  authLockedOut: { code: 454, enhanced: '4.7.0', text: 'Too many failed authentication attempts, try again later' },
  /** A connection that used up its failed attempts: 421 closes it. */
  authTooManyFailures: { code: 421, enhanced: '4.7.0', text: 'Too many failed authentication attempts, closing connection' },
  /** `maxSessionDuration` reached: the connection closes; the client reconnects to carry on. */
  sessionTooLong: { code: 421, enhanced: '4.4.2', text: 'Session time limit reached, closing connection' },
  /** `commandLineTimeout` passed before the command line was complete. */
  commandLineTooSlow: { code: 421, enhanced: '4.4.2', text: 'Command line not completed in time, closing connection' },
  /** The message arrived below `minDataRate`. */
  messageTooSlow: { code: 421, enhanced: '4.4.2', text: 'Message data too slow, closing connection' },
  /** `maxMessages` reached: the connection closes; the client reconnects to carry on. */
  tooManyMessages: { code: 421, enhanced: '4.7.0', text: 'Too many messages in one session, closing connection' },
  /** `maxJunkCommands` reached (NOOP, RSET, VRFY and the like): the connection closes. */
  tooManyJunkCommands: { code: 421, enhanced: '4.7.0', text: 'Too many commands that move no mail, closing connection' },
  /** `maxHardErrors` reached: the connection closes, as Postfix's `smtpd_hard_error_limit` does. */
  tooManyErrors: { code: 421, enhanced: '4.7.0', text: 'Too many errors, closing connection' },
  /** A MAIL FROM line whose bytes are not UTF-8. */
  senderNotUtf8: { code: 501, enhanced: '5.1.7', text: 'Sender address is not valid UTF-8' },
  /** A RCPT TO line whose bytes are not UTF-8. */
  recipientNotUtf8: { code: 501, enhanced: '5.1.3', text: 'Recipient address is not valid UTF-8' },
  /** RFC 6531 §3.5: a non-ASCII address in a transaction that did not ask for SMTPUTF8. */
  smtpUtf8Required: { code: 553, enhanced: '5.6.7', text: 'Non-ASCII addresses require SMTPUTF8' },
  /** `bareLineFeeds: 'reject'`: Postfix's code for the same refusal (`smtpd_forbid_bare_newline`). */
  bareLineFeed: { code: 550, enhanced: '5.5.2', text: 'Bare <LF> or <CR> received: lines must end with <CR><LF>' },
} as const;

/**
 * RFC 7628 §3.2.2: an XOAUTH2/OAUTHBEARER failure is a 334 challenge carrying this JSON; the
 * client answers with an empty line and then gets the final 535.
 */
export const XOAUTH2_FAILURE = { status: 'invalid_token', schemes: 'bearer' } as const;

export const MESSAGES = {
  spoolSwept: (server: string, files: number) =>
    `SMTP server "${server}" removed ${files} spool file(s) left by a server that stopped without its shutdown`,
  nextCalledTwice: (phase: SmtpPhase) => `next() called multiple times in the ${phase} chain`,
  handlerFailed: (phase: SmtpPhase, id: string, error: unknown) =>
    `${phase} handler failed in session ${id}: ${error instanceof Error ? error.message : String(error)}`,
  clientLeftMidData: (id: string, address: string) => `client ${address} went away in the middle of DATA in session ${id}`,
  handlerTimedOut: (phase: SmtpPhase, id: string, ms: number) =>
    `${phase} chain of session ${id} did not settle within ${ms} ms; answered 451`,
  closeHandlerFailed: (id: string, error: unknown) =>
    `close handler failed in session ${id}: ${error instanceof Error ? error.message : String(error)}`,
  listening: (name: string, address: string) => `SMTP server "${name}" listening on ${address}`,
  closing: (name: string, open: number, grace: number) =>
    `SMTP server "${name}" closing with ${open} open session(s); grace period ${grace} ms`,
  unknownServer: (target: string, server: string, known: string[]) =>
    `${target} is bound to SMTP server "${server}", but no FumiModule.forRoot({ name: "${server}" }) is imported ` +
    `(servers: ${known.map((n) => `"${n}"`).join(', ') || 'none'})`,
  duplicateServer: (name: string) =>
    `SMTP server "${name}" is registered twice: FumiModule.forRoot({ name: "${name}" }) was imported more than once ` +
    `with different options. Import it once (it is global) or give each server its own name.`,
  duplicateProvider: (className: string) =>
    `${className} is provided in several modules; its SMTP handlers are bound once, to the first instance`,
  noCertificate: (name: string) =>
    `SMTP server "${name}" has no TLS certificate ("key"/"cert"): STARTTLS is not offered. ` +
    `Configure a certificate, or set hideSTARTTLS: true to say you mean it.`,
  sniWithoutDefault: () =>
    'needs a default certificate in "key"/"cert" (or "pfx") for clients that send no SNI name or an unknown one; ' +
    "smtp-server would otherwise serve them its built-in certificate, whose private key is public",
  certificateUnreadable: (error: unknown) =>
    `is neither PEM text (it has no "-----BEGIN ") nor a readable file: ${error instanceof Error ? error.message : String(error)}`,
  certificateUnusable: (reason: string) => `cannot be used: ${reason}`,
  certificateHalf: (present: string, missing: string) => `is missing: "${missing}" and "${present}" go together`,
  keyMismatch: (reason: string) => `does not belong to the certificate in "cert": ${reason}`,
  noCertificateToReload: (name: string) =>
    `SMTP server "${name}" started without a certificate, so STARTTLS is off; configure one in forRoot() to reload it later`,
  certificatesReloaded: (name: string, files: number) =>
    `SMTP server "${name}" reloaded its TLS certificates${files ? ` (${files} file(s))` : ''}; new connections use them`,
  certificateReloadFailed: (name: string, error: unknown) =>
    `SMTP server "${name}" kept its current TLS certificates, the new ones cannot be used: ${error instanceof Error ? error.message : String(error)}`,
  watchWithoutFiles: () => 'needs certificate options given as file paths: there is nothing to watch',
  requireTlsWithoutCertificate: () =>
    'needs a certificate ("key"/"cert", "pfx") so that clients can use STARTTLS or implicit TLS; without one no client could send mail',
  requireTlsWithInsecureAuth: () => 'contradicts "allowInsecureAuth: true": requireTLS refuses AUTH before TLS',
  authNeedsTls: (name: string) =>
    `SMTP server "${name}" offers AUTH but has no certificate, so AUTH is refused (530 5.7.0) until the client uses TLS, ` +
    'which it cannot: configure a certificate, or set allowInsecureAuth: true for development',
  authLimiterFailed: (name: string, error: unknown) =>
    `SMTP server "${name}": the AUTH failure store failed, the address budget is not enforced for this attempt: ${error instanceof Error ? error.message : String(error)}`,
  acceptNeedsUser: () => 'ctx.accept(user) needs a user: a non-empty value that identifies who logged in',
} as const;
