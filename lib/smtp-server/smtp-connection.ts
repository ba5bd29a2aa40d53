import type { SMTPServer } from 'smtp-server';

/** One smtp-server connection (its class is not exported by name). */
export type SmtpConnection = SMTPServer['connections'] extends Set<infer Connection> ? Connection : never;
