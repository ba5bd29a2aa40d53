import type { RspamdFailureReason, RspamdSymbol, RspamdVerdict } from './rspamd-result.interface.js';

/** At most this many rules are named in `X-Spam-Status` and in a reject reply: enough to tell why, short enough for one line. */
const STATUS_SYMBOLS = 10;
const SUMMARY_SYMBOLS = 3;
/** `X-Spam-Level` has one star per point, up to this many. */
const MAX_STARS = 50;

/** Symbol names only: they come from rspamd and go into headers and replies. */
const SYMBOL_NAME = /^[\w.-]{1,64}$/;

/** The rules that weigh most, highest score first; names safe for a header line. */
export function topSymbols(symbols: Readonly<Record<string, RspamdSymbol>>, count: number): string[] {
  return Object.values(symbols)
    .filter((symbol) => SYMBOL_NAME.test(symbol.name))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, count)
    .map((symbol) => symbol.name);
}

/** The rules named in a `550` reply: the few that weigh most. */
export function rejectSummary(verdict: Pick<RspamdVerdict, 'symbols'>): string {
  return topSymbols(verdict.symbols, SUMMARY_SYMBOLS).join(', ');
}

/**
 * The `X-Spam-*` headers of a message rspamd wants marked (`add header`, `rewrite subject`), in
 * SpamAssassin's forms that mail clients and sieve scripts already read; none for other actions.
 */
export function spamHeaders(verdict: Omit<RspamdVerdict, 'headers'>): Record<string, string> {
  if (verdict.action !== 'add header' && verdict.action !== 'rewrite subject') return {};
  const score = verdict.score.toFixed(2);
  const tests = topSymbols(verdict.symbols, STATUS_SYMBOLS).join(',');
  const level = '*'.repeat(Math.min(MAX_STARS, Math.max(0, Math.floor(verdict.score))));
  return {
    'X-Spam-Flag': 'YES',
    'X-Spam-Score': score,
    ...(level ? { 'X-Spam-Level': level } : {}),
    'X-Spam-Status': `Yes, score=${score} required=${verdict.requiredScore.toFixed(2)} action="${verdict.action}"${tests ? ` tests=${tests}` : ''}`,
  };
}

/** The tag of a message accepted without a verdict. */
export function notScannedHeaders(reason: RspamdFailureReason): Record<string, string> {
  return { 'X-Spam-Status': `Unknown, not scanned (${reason})` };
}
