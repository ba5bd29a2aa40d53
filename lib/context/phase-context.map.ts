import type { AuthContext } from './auth.context.js';
import type { CloseContext } from './close.context.js';
import type { ConnectContext } from './connect.context.js';
import type { DataContext } from './data.context.js';
import type { MailFromContext } from './mail-from.context.js';
import type { RcptToContext } from './rcpt-to.context.js';
import type { SecureContext } from './secure.context.js';

/** The context type of each phase. */
export interface PhaseContextMap {
  connect: ConnectContext;
  secure: SecureContext;
  auth: AuthContext;
  mailFrom: MailFromContext;
  rcptTo: RcptToContext;
  data: DataContext;
  close: CloseContext;
}

export type AnySmtpContext = PhaseContextMap[keyof PhaseContextMap];
