import { RSPAMD_MESSAGES } from './fumi-rspamd.messages.js';
import { RspamdRequestError } from './rspamd-request.error.js';
import type { RspamdAction, RspamdSymbol, RspamdVerdict } from './rspamd-result.interface.js';
import { spamHeaders } from './spam-headers.js';

const ACTIONS: readonly RspamdAction[] = ['no action', 'greylist', 'add header', 'rewrite subject', 'soft reject', 'reject'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScore = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const bad = (field: string, value: unknown) => new RspamdRequestError('bad-answer', RSPAMD_MESSAGES.badField(field, value));

/**
 * rspamd's `/checkv2` answer as a verdict, or an `RspamdRequestError` ('bad-answer') when it is not
 * one: an answer that cannot be trusted must take the failure path, not pass as "no action".
 */
export function parseRspamdAnswer(answer: unknown, elapsedMs: number): RspamdVerdict {
  if (!isObject(answer)) throw bad('action', answer);
  if (answer.error !== undefined) throw new RspamdRequestError('bad-answer', RSPAMD_MESSAGES.rspamdError(answer.error));
  const { action, score, required_score: requiredScore } = answer;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) throw bad('action', action);
  if (!isScore(score)) throw bad('score', score);
  if (!isScore(requiredScore)) throw bad('required_score', requiredScore);
  const symbols = parseSymbols(answer.symbols);
  const subject = action === 'rewrite subject' && typeof answer.subject === 'string' ? answer.subject : undefined;
  const smtpMessage = isObject(answer.messages) && typeof answer.messages.smtp_message === 'string' ? answer.messages.smtp_message : undefined;
  const verdict = {
    scanned: true as const,
    action: action as RspamdAction,
    score,
    requiredScore,
    symbols,
    ...(subject !== undefined ? { subject } : {}),
    ...(smtpMessage !== undefined ? { smtpMessage } : {}),
    elapsedMs,
  };
  return { ...verdict, headers: spamHeaders(verdict) };
}

function parseSymbols(raw: unknown): Record<string, RspamdSymbol> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw bad('symbols', raw);
  const symbols: Record<string, RspamdSymbol> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!isObject(value)) throw bad(`symbols.${key}`, value);
    const score = isScore(value.score) ? value.score : 0;
    const options = Array.isArray(value.options) ? value.options.filter((option) => typeof option === 'string') : undefined;
    const description = typeof value.description === 'string' ? value.description : undefined;
    symbols[key] = {
      name: typeof value.name === 'string' ? value.name : key,
      score,
      ...(options ? { options } : {}),
      ...(description !== undefined ? { description } : {}),
    };
  }
  return symbols;
}
