import { FumiOptionsError } from '../errors/fumi-options.error.js';
import type { FumiModuleOptions } from './fumi-module-options.interface.js';
import { isInteger, MAX_TIMER_MS, show } from './value-checks.js';

/** The module's own defences against hostile clients (see `FumiHardeningOptions`). */
export const HARDENING_OPTION_KEYS = [
  'bareLineFeeds',
  'maxSessionDuration',
  'maxMessages',
  'maxJunkCommands',
  'maxHardErrors',
  'commandLineTimeout',
  'minDataRate',
  'dataRateAllowance',
  // replaced: known only to say so
  'maxCommands',
] as const;

const COUNT_OPTIONS = ['maxMessages', 'maxJunkCommands', 'maxHardErrors', 'minDataRate'] as const;

const BARE_LINE_FEED_POLICIES = ['normalize', 'reject', 'allow'];
/** A duration below a second is almost certainly seconds written where milliseconds belong. */
const MIN_SESSION_DURATION = 1000;

/**
 * Checks the hardening options at bootstrap; errors name the option, so a typo never becomes a
 * server that silently lets everything through.
 */
export function checkHardeningOptions(options: FumiModuleOptions, server: string): void {
  const values = options as Record<string, unknown>;
  const { bareLineFeeds, maxSessionDuration, maxCommands } = values;
  if (bareLineFeeds !== undefined && !BARE_LINE_FEED_POLICIES.includes(bareLineFeeds as string)) {
    throw new FumiOptionsError('bareLineFeeds', `must be one of ${BARE_LINE_FEED_POLICIES.map((p) => `'${p}'`).join(', ')}, got ${show(bareLineFeeds)}`, server);
  }
  if (maxSessionDuration !== undefined && maxSessionDuration !== false && !isInteger(maxSessionDuration, MIN_SESSION_DURATION, MAX_TIMER_MS)) {
    throw new FumiOptionsError(
      'maxSessionDuration',
      `must be false (no limit) or a whole number of milliseconds from ${MIN_SESSION_DURATION} to ${MAX_TIMER_MS}, got ${show(maxSessionDuration)}`,
      server,
    );
  }
  const { commandLineTimeout } = values;
  if (commandLineTimeout !== undefined && commandLineTimeout !== false && !isInteger(commandLineTimeout, MIN_SESSION_DURATION, MAX_TIMER_MS)) {
    throw new FumiOptionsError(
      'commandLineTimeout',
      `must be false (no limit) or a whole number of milliseconds from ${MIN_SESSION_DURATION} to ${MAX_TIMER_MS}, got ${show(commandLineTimeout)}`,
      server,
    );
  }
  const { dataRateAllowance } = values;
  if (dataRateAllowance !== undefined && !isInteger(dataRateAllowance, MIN_SESSION_DURATION)) {
    throw new FumiOptionsError(
      'dataRateAllowance',
      `must be a whole number of milliseconds from ${MIN_SESSION_DURATION}, got ${show(dataRateAllowance)}`,
      server,
    );
  }
  if (maxCommands !== undefined) {
    throw new FumiOptionsError('maxCommands', 'was replaced by maxMessages, maxJunkCommands and maxHardErrors', server);
  }
  for (const option of COUNT_OPTIONS) {
    const value = values[option];
    if (value !== undefined && value !== false && !isInteger(value, 1)) {
      throw new FumiOptionsError(option, `must be false (no limit) or a whole number from 1, got ${show(value)}`, server);
    }
  }
}
