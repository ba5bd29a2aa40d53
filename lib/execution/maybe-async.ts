/**
 * A result that is there at once when the work was synchronous. Most SMTP handlers are (an
 * address check, a counter); answering those in the same tick, without a promise per phase,
 * keeps a Nest handler as cheap as smtp-server's own callback.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
