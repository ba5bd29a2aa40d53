/** A counter's value inside its current window. */
export interface CounterWindow {
  /** What has been counted since the window opened. */
  readonly count: number;
  /** When the window ends and the count starts again from 0 (epoch milliseconds). */
  readonly resetAt: number;
}

/**
 * Keyed counters with a fixed time window: what brute-force defence (and, later, rate limits)
 * need to remember about a client, possibly across processes.
 *
 * The first `increment()` of a key opens its window of `windowMs`; increments inside it add up;
 * once it has passed the key counts from 0 again. Every method is async so that a shared store
 * (Redis: `INCRBY` + `PEXPIRE … NX`, `PTTL`, `DEL`) fits behind the same interface as the
 * in-memory default, `MemoryCounterStore`.
 *
 * Keys are namespaced by their users (`fumi:auth-failures:203.0.113.7`), so one store can serve
 * several features and several servers.
 *
 * A Redis implementation maps `increment` to `INCRBY key amount` + `PEXPIRE key windowMs NX` +
 * `PTTL key` in one `MULTI`, `get` to `GET` + `PTTL`, and `reset` to `DEL`.
 */
export interface CounterStore {
  /**
   * Adds `amount` (default 1) to `key` and returns the count of its current window, opening a
   * window of `windowMs` if none is open.
   */
  increment(key: string, windowMs: number, amount?: number): Promise<CounterWindow>;
  /** The count of `key`'s open window, or `undefined` when it has none. Changes nothing. */
  get(key: string): Promise<CounterWindow | undefined>;
  /** Forgets `key`, closing its window. */
  reset(key: string): Promise<void>;
  /**
   * Optional: makes `key`'s open window end `windowMs` from now, keeping its count (Redis:
   * `PEXPIRE`); nothing when it has none. Greylisting renews its entries with it; a store
   * without it is given `reset()` then `increment()` instead.
   */
  expire?(key: string, windowMs: number): Promise<void>;
}
