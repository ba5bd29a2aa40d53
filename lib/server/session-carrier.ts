import type { SMTPServerSession } from 'smtp-server';
import { FumiSession, kRuntime, type FumiServerInfo } from './fumi-session.js';

/**
 * Where a connection's `FumiSession` is kept: on smtp-server's own session object, under a
 * symbol, so that it goes with the session (a WeakMap entry's value would hold its own key).
 */
const kFumiSession = Symbol('fumi.session');
type SessionCarrier = SMTPServerSession & { [kFumiSession]?: FumiSession };

/** The same `FumiSession` for every callback of one connection, created on the first. */
export function sessionOf(raw: SMTPServerSession, info: FumiServerInfo): FumiSession {
  return ((raw as SessionCarrier)[kFumiSession] ??= new FumiSession(raw, info));
}

/** A phase chain of the connection is running (shutdown lets it finish). */
export function isBusy(raw: SMTPServerSession): boolean {
  return !!(raw as SessionCarrier)[kFumiSession]?.[kRuntime].busy;
}
