import { headerLine } from './header-lines.js';

/** SPF, DKIM and DMARC as this server's `Authentication-Results:` gave them. */
export interface AuthSummary {
  readonly spf?: string;
  readonly dkim?: string;
  readonly dmarc?: string;
}

/** rspamd's verdict as this server recorded it. */
export interface SpamSummary {
  readonly score: number;
  readonly action: string;
}

/**
 * What this server wrote on top of a stored message, read from its header block: only the lines
 * above the first `Received:` (our own), so headers a sender put in the message count for nothing.
 */
export function traceSummary(head: string): { auth?: AuthSummary; spam?: SpamSummary } {
  const lines = head.split(/\r?\n(?![ \t])/);
  const ours = lines.slice(0, Math.max(0, lines.findIndex((line) => /^received:/i.test(line))));
  const summary: { auth?: AuthSummary; spam?: SpamSummary } = {};
  let score: number | undefined;
  let action: string | undefined;
  for (const { name, value } of ours.filter((line) => line.includes(':')).map(headerLine)) {
    if (/^authentication-results$/i.test(name)) summary.auth = authSummary(value);
    if (/^x-spam-score$/i.test(name) && /^-?\d+(\.\d+)?$/.test(value)) score = Number(value);
    if (/^x-spam-action$/i.test(name) && /^[a-z ]{1,20}$/.test(value)) action = value;
  }
  if (score !== undefined && action) summary.spam = { score, action };
  return summary;
}

/** The result of each method; for DKIM, `pass` if any signature passed, else the first result. */
function authSummary(value: string): AuthSummary {
  const results = (method: string) => [...value.matchAll(new RegExp(`(?:^|;)\\s*${method}=([a-z]+)`, 'gi'))].map((m) => m[1]!.toLowerCase());
  const dkim = results('dkim');
  return {
    ...(results('spf')[0] ? { spf: results('spf')[0] } : {}),
    ...(dkim.length ? { dkim: dkim.includes('pass') ? 'pass' : dkim[0] } : {}),
    ...(results('dmarc')[0] ? { dmarc: results('dmarc')[0] } : {}),
  };
}
