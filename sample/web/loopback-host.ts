import type { IncomingMessage, ServerResponse } from 'node:http';

const LOOPBACK_ADDRESS = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;
const LOOPBACK_HOST_HEADER = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/i;

/** Whether an interface to listen on is this machine only. */
export const isLoopback = (host: string): boolean => LOOPBACK_ADDRESS.test(host);

/**
 * Refuses requests whose `Host` is not a loopback name. On a loopback-only server this stops
 * DNS rebinding: a web page from elsewhere whose name an attacker re-points to 127.0.0.1 would
 * otherwise be "same origin" with the inbox, and could read and delete its mail.
 */
export function loopbackHostOnly(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  if (LOOPBACK_HOST_HEADER.test(req.headers.host ?? '')) return next();
  res.statusCode = 403;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Forbidden: this server answers only to localhost, 127.0.0.1 and [::1]\n');
}
