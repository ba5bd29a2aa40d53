import type { DataContext } from '../../lib/index.js';
import { mailAuthResultsOf } from '../../lib/mail-auth/index.js';
import { spamResultOf } from '../../lib/rspamd/index.js';

/**
 * The headers this server adds on top of a stored message, before its `Received:`: what mail
 * authentication and rspamd found (when they ran). The inbox trusts only headers above that
 * `Received:`, so a sender cannot forge them.
 */
export function traceHeaders(ctx: DataContext): string {
  const auth = mailAuthResultsOf(ctx).header;
  const spam = spamResultOf(ctx);
  const scan = spam?.scanned ? `X-Spam-Score: ${spam.score.toFixed(2)}\r\nX-Spam-Action: ${spam.action}\r\n` : '';
  const spamHeaders = Object.entries(spam?.headers ?? {})
    .filter(([name]) => name.toLowerCase() !== 'x-spam-score')
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return auth + scan + spamHeaders + ctx.receivedHeader();
}
