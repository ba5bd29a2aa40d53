import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Safe defaults for every HTTP response of the sample. Routes that serve pages or message HTML
 * set their own, looser `Content-Security-Policy`; everything else (JSON, downloads, errors) is
 * never to be rendered as a document, framed or sniffed into something runnable.
 */
export function securityHeaders(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
  res.removeHeader('X-Powered-By');
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; sandbox");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
}
