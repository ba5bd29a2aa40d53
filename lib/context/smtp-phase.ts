/**
 * The SMTP phases a handler can run in, in the order a session meets them.
 * Each one is one smtp-server callback.
 */
export const SMTP_PHASES = ['connect', 'secure', 'auth', 'mailFrom', 'rcptTo', 'data', 'close'] as const;

export type SmtpPhase = (typeof SMTP_PHASES)[number];
