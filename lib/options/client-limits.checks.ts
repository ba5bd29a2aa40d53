import { FumiOptionsError } from '../errors/fumi-options.error.js';
import { COUNTER_STORE_PROBLEM, isCounterStore, isInteger, show, unknownKey } from './value-checks.js';
import { IpRangeList } from '../plugins/ip-range-list.js';

const KEYS = ['connectionsPerAddress', 'connectionRate', 'messageRate', 'store', 'exempt'] as const;

/** Checks the `limits` option at bootstrap; errors name the field (`limits.messageRate.window`). */
export function checkClientLimits(value: unknown, server: string): void {
  const fail = (option: string, problem: string): never => {
    throw new FumiOptionsError(option, problem, server);
  };
  if (value === undefined || value === false) return;
  if (typeof value !== 'object' || value === null) {
    fail('limits', `must be false or { ${KEYS.join(', ')} }, got ${show(value)}`);
  }
  const limits = value as Record<string, unknown>;
  const unknown = unknownKey(limits, KEYS);
  if (unknown !== undefined) fail('limits', `has unknown key "${unknown}" (known: ${KEYS.join(', ')})`);
  const open = limits.connectionsPerAddress;
  if (open !== undefined && open !== false && !isInteger(open, 1)) {
    fail('limits.connectionsPerAddress', `must be a whole number from 1, or false for no limit, got ${show(open)}`);
  }
  for (const key of ['connectionRate', 'messageRate'] as const) {
    const rate = limits[key];
    if (rate === undefined || rate === false) continue;
    if (typeof rate !== 'object' || rate === null) fail(`limits.${key}`, `must be false or { max, window }, got ${show(rate)}`);
    const { max, window } = rate as Record<string, unknown>;
    if (!isInteger(max, 1)) fail(`limits.${key}.max`, `must be a whole number from 1, got ${show(max)}`);
    if (!isInteger(window, 1)) fail(`limits.${key}.window`, `must be a whole number of ms from 1, got ${show(window)}`);
  }
  if (limits.store !== undefined && !isCounterStore(limits.store)) fail('limits.store', COUNTER_STORE_PROBLEM);
  if (limits.exempt !== undefined) {
    if (!Array.isArray(limits.exempt)) fail('limits.exempt', `must be an array of addresses or CIDR ranges, got ${show(limits.exempt)}`);
    try {
      new IpRangeList(limits.exempt as string[]);
    } catch (error) {
      fail('limits.exempt', (error as Error).message);
    }
  }
}
