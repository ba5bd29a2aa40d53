import type { CounterStore } from '../stores/counter-store.interface.js';

const COUNTER_STORE_METHODS = ['increment', 'get', 'reset'] as const;

/** A value as an error message shows it. */
export const show = (value: unknown): string =>
  typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));

export const isInteger = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** The longest delay Node.js timers take: past it they fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const isCounterStore = (value: unknown): value is CounterStore =>
  typeof value === 'object' &&
  value !== null &&
  COUNTER_STORE_METHODS.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

export const COUNTER_STORE_PROBLEM = `must be a CounterStore (with ${COUNTER_STORE_METHODS.join(', ')} methods)`;

/** The first key of `value` that is not in `known`. */
export const unknownKey = (value: object, known: readonly string[]): string | undefined =>
  Object.keys(value).find((key) => !known.includes(key));
