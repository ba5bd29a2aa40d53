import type { CounterStore } from '../stores/counter-store.interface.js';

/** `max` events per `window` milliseconds. */
export interface RateLimit {
  max: number;
  window: number;
}

/**
 * Per-client limits, counted per address (IPv6 per /64). Refusals are `421 4.7.0` and end the
 * connection: a client over its limit should come back later, not keep talking.
 */
export interface FumiClientLimits {
  /** Connections one address may hold open at once, on this instance. Default 50; `false` for none. */
  connectionsPerAddress?: number | false;
  /** New connections per address and window, across instances sharing `store`. Default off. */
  connectionRate?: RateLimit | false;
  /** MAIL FROM commands (messages) per address and window, across instances sharing `store`. Default off. */
  messageRate?: RateLimit | false;
  /** Where rates are counted; share a Redis store to enforce them across instances. Default in memory. */
  store?: CounterStore;
  /** Addresses and CIDR ranges no limit applies to. Default loopback (`127.0.0.0/8`, `::1`). */
  exempt?: string[];
}
