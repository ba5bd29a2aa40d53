import type { CounterStore, CounterWindow } from './counter-store.interface.js';

/** How often, at most, expired windows are swept out of memory. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The default `CounterStore`: counters in this process's memory. Right for one instance; with
 * several instances behind a load balancer each keeps its own counts, so give them a shared store.
 *
 * Expired windows are dropped lazily (on access, and in a sweep at most once a minute on
 * increment), so it needs no timer and never keeps the process alive; memory is bounded by the
 * keys counted within one window.
 */
export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private lastSweep: number;
  private readonly maxKeys: number;

  /**
   * @param now the clock, replaceable in tests
   * @param options.maxKeys keys kept at most: past it, the key counted first is forgotten (default: no limit)
   */
  constructor(
    private readonly now: () => number = Date.now,
    options: { maxKeys?: number } = {},
  ) {
    this.lastSweep = now();
    this.maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
  }

  increment(key: string, windowMs: number, amount = 1): Promise<CounterWindow> {
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.delete(key);
      // the oldest key goes: a full store under a flood of new keys stays at its size
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += amount;
    return Promise.resolve({ count: window.count, resetAt: window.resetAt });
  }

  get(key: string): Promise<CounterWindow | undefined> {
    const window = this.windows.get(key);
    if (!window) return Promise.resolve(undefined);
    if (window.resetAt <= this.now()) {
      this.windows.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve({ count: window.count, resetAt: window.resetAt });
  }

  expire(key: string, windowMs: number): Promise<void> {
    const window = this.windows.get(key);
    if (window && window.resetAt > this.now()) window.resetAt = this.now() + windowMs;
    return Promise.resolve();
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  /** Keys with an open window right now. */
  get size(): number {
    this.sweep(this.now(), true);
    return this.windows.size;
  }

  private sweep(now: number, force = false): void {
    if (!force && now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows) {
      if (window.resetAt <= now) this.windows.delete(key);
    }
  }
}
