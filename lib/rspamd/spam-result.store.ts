import type { DataContext } from '../context/data.context.js';
import type { RspamdResult } from './rspamd-result.interface.js';

/** Results by message: the context is one per message and goes with it, so the entry does too. */
const results = new WeakMap<DataContext<object, unknown>, RspamdResult>();

/**
 * The rspamd result of the message of an `@OnData()` context: `undefined` when
 * `FumiRspamdModule` did not scan it (another server, a handler that runs before the scan,
 * a message over `size`).
 *
 * @example
 * \@OnData()
 * store(@Ctx() ctx: DataContext) {
 *   const spam = spamResultOf(ctx);
 *   if (spam?.scanned) console.log(spam.action, spam.score);
 * }
 */
export function spamResultOf<TState extends object, TUser>(ctx: DataContext<TState, TUser>): RspamdResult | undefined {
  return results.get(ctx as DataContext<object, unknown>);
}

/** @internal the scan records its result here for the handlers after it */
export function recordSpamResult<TState extends object, TUser>(ctx: DataContext<TState, TUser>, result: RspamdResult): void {
  results.set(ctx as DataContext<object, unknown>, result);
}
