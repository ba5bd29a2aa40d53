import type { CounterStore } from '../stores/counter-store.interface.js';

/**
 * Brute-force defence for AUTH (option `authFailureLimits`). A failed attempt is an AUTH that
 * ends in a 5xx refusal (a 4xx from your handler, e.g. "directory unavailable", is not the
 * client's fault and does not count).
 */
export interface AuthFailureLimits {
  /**
   * Failed attempts one connection may make. The one that reaches the limit is answered
   * `421 4.7.0` and the connection is closed. Default 3; `false` for no limit.
   */
  perConnection?: number | false;
  /**
   * Failed attempts one client address may make within `window` (IPv6 clients are counted
   * per /64). Once it is used up, every AUTH from the address is answered `454 4.7.0` at once,
   * before any credentials are exchanged and without running your handlers, until the window
   * ends. Default 10; `false` for no limit.
   */
  perAddress?: number | false;
  /** Length of the per-address window, in ms, from the address's first failure. Default 15 minutes. */
  window?: number;
  /**
   * Where per-address counts live. Default: a `MemoryCounterStore` of this server. Give several
   * servers or instances one shared store (e.g. on Redis) to share the budget.
   */
  store?: CounterStore;
}

/** The limits that apply when `authFailureLimits` leaves them out. */
export const DEFAULT_AUTH_FAILURE_LIMITS = {
  perConnection: 3,
  perAddress: 10,
  window: 15 * 60_000,
} as const;
