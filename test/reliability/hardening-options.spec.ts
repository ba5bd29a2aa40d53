import { FumiOptionsError, type FumiModuleOptions } from '../../lib/index.js';
import { validateFumiOptions } from '../../lib/options/fumi-options.validator.js';

const check = (options: Record<string, unknown>) => () => validateFumiOptions(options as FumiModuleOptions, 'default');

describe('hardening options are checked at bootstrap', () => {
  it.each([
    [{ bareLineFeeds: 'strip' }, 'bareLineFeeds', "must be one of 'normalize', 'reject', 'allow'"],
    [{ bareLineFeeds: true }, 'bareLineFeeds', 'got true'],
    [{ maxSessionDuration: 600 }, 'maxSessionDuration', 'milliseconds from 1000, got 600'],
    [{ maxSessionDuration: '10m' }, 'maxSessionDuration', 'got "10m"'],
    [{ maxSessionDuration: true }, 'maxSessionDuration', 'must be false (no limit)'],
    [{ maxMessages: 0 }, 'maxMessages', 'whole number from 1, got 0'],
    [{ maxJunkCommands: 2.5 }, 'maxJunkCommands', 'got 2.5'],
    [{ maxHardErrors: true }, 'maxHardErrors', 'must be false (no limit) or a whole number from 1, got true'],
    [{ commandLineTimeout: 60 }, 'commandLineTimeout', 'milliseconds from 1000, got 60'],
    [{ minDataRate: -1 }, 'minDataRate', 'whole number from 1, got -1'],
    [{ dataRateAllowance: false }, 'dataRateAllowance', 'whole number of milliseconds from 1000, got false'],
    [{ dataRateAllowance: 30 }, 'dataRateAllowance', 'got 30'],
    [{ maxCommands: 1000 }, 'maxCommands', 'was replaced by maxMessages, maxJunkCommands and maxHardErrors'],
  ])('%j fails naming %s', (options, option, problem) => {
    expect(check(options)).toThrow(FumiOptionsError);
    expect(check(options)).toThrow(`Invalid FumiModule option "${option}" (server "default"): `);
    expect(check(options)).toThrow(problem);
  });

  it.each([
    [{ bareLineFeeds: 'normalize' }],
    [{ bareLineFeeds: 'reject' }],
    [{ bareLineFeeds: 'allow' }],
    [{ maxSessionDuration: false, maxMessages: false, maxJunkCommands: false, maxHardErrors: false, commandLineTimeout: false, minDataRate: false }],
    [{ maxSessionDuration: 1000, maxMessages: 1, maxJunkCommands: 1, maxHardErrors: 1, dataRateAllowance: 1000 }],
  ])('accepts %j', (options) => {
    expect(check(options)).not.toThrow();
  });
});
