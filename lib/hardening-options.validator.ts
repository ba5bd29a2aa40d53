import { FumiOptionsError } from './errors/fumi-options.error.js';
import type { FumiModuleOptions } from './interfaces/fumi-module-options.interface.js';

/** The module's own defences against hostile clients (see `FumiHardeningOptions`). */
export const HARDENING_OPTION_KEYS = ['bareLineFeeds', 'maxSessionDuration', 'maxCommands'] as const;

const BARE_LINE_FEED_POLICIES = ['normalize', 'reject', 'allow'];
/** A duration below a second is almost certainly seconds written where milliseconds belong. */
const MIN_SESSION_DURATION = 1000;

const show = (value: unknown) => (typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value)));

const isInteger = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min;

/**
 * Checks `bareLineFeeds`, `maxSessionDuration` and `maxCommands` at bootstrap; errors name the
 * option, so a typo never becomes a server that silently lets everything through.
 */
export function validateHardeningOptions(options: FumiModuleOptions, server: string): void {
  const { bareLineFeeds, maxSessionDuration, maxCommands } = options as Record<string, unknown>;
  if (bareLineFeeds !== undefined && !BARE_LINE_FEED_POLICIES.includes(bareLineFeeds as string)) {
    throw new FumiOptionsError('bareLineFeeds', `must be one of ${BARE_LINE_FEED_POLICIES.map((p) => `'${p}'`).join(', ')}, got ${show(bareLineFeeds)}`, server);
  }
  if (maxSessionDuration !== undefined && maxSessionDuration !== false && !isInteger(maxSessionDuration, MIN_SESSION_DURATION)) {
    throw new FumiOptionsError(
      'maxSessionDuration',
      `must be false (no limit) or a whole number of milliseconds from ${MIN_SESSION_DURATION}, got ${show(maxSessionDuration)}`,
      server,
    );
  }
  if (maxCommands !== undefined && maxCommands !== false && !isInteger(maxCommands, 1)) {
    throw new FumiOptionsError('maxCommands', `must be false (no limit) or a whole number from 1, got ${show(maxCommands)}`, server);
  }
}
