import type { SimpleParserOptions } from 'mailparser';
import type { MessageParserPool } from './message-parser.pool.js';

/** `ctx.parse()`'s options: mailparser's own, and where the parse runs. */
export interface FumiParseOptions extends SimpleParserOptions {
  /**
   * Parse in a worker thread: `true` for the process's shared pool, or a pool of your own.
   * Default: on the event loop, which every session shares (a large HTML message takes seconds).
   */
  readonly pool?: MessageParserPool | boolean;
}

/**
 * The HTML↔text conversions are the costly part of a parse (seconds for a few MB of HTML), and
 * most handlers read neither `textAsHtml` nor a text made from HTML: they run only when asked.
 */
export const DEFAULT_PARSE_OPTIONS: Readonly<SimpleParserOptions> = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true };

/** A key naming these mailparser options, or `undefined` when one is a function (such a parse is not shared). */
export function parseOptionsKey(options: SimpleParserOptions): string | undefined {
  const entries = Object.entries(options).filter(([, value]) => value !== undefined);
  if (entries.some(([, value]) => typeof value === 'function')) return undefined;
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}
