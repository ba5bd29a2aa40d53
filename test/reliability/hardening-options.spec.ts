import { FumiOptionsError, type FumiModuleOptions } from '../../lib/index.js';
import { validateFumiOptions } from '../../lib/options/fumi-options.validator.js';

const check = (options: Record<string, unknown>) => () => validateFumiOptions(options as FumiModuleOptions, 'default');

describe('hardening options are checked at bootstrap', () => {
  it.each([
    [{ bareLineFeeds: 'strip' }, 'bareLineFeeds', "must be one of 'normalize', 'reject', 'allow'"],
    [{ bareLineFeeds: true }, 'bareLineFeeds', 'got true'],
    [{ maxSessionDuration: 600 }, 'maxSessionDuration', 'milliseconds from 1000 to 2147483647, got 600'],
    [{ maxSessionDuration: 30 * 24 * 3600 * 1000 }, 'maxSessionDuration', 'to 2147483647, got 2592000000'],
    [{ maxSessionDuration: '10m' }, 'maxSessionDuration', 'got "10m"'],
    [{ maxSessionDuration: true }, 'maxSessionDuration', 'must be false (no limit)'],
    [{ maxMessages: 0 }, 'maxMessages', 'whole number from 1, got 0'],
    [{ maxJunkCommands: 2.5 }, 'maxJunkCommands', 'got 2.5'],
    [{ maxHardErrors: true }, 'maxHardErrors', 'must be false (no limit) or a whole number from 1, got true'],
    [{ commandLineTimeout: 60 }, 'commandLineTimeout', 'milliseconds from 1000 to 2147483647, got 60'],
    [{ commandLineTimeout: 2 ** 31 }, 'commandLineTimeout', 'got 2147483648'],
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

// Node.js fires a timer set past 2^31 - 1 ms after 1 ms: such a value would cut every session at once.
describe('timeouts stay within what Node.js timers take', () => {
  it.each([
    [{ handlerTimeout: 2 ** 31 }, 'handlerTimeout', 'must be an integer from 1 to 2147483647, got 2147483648'],
    [{ handlerTimeout: { data: 2 ** 32 } }, 'handlerTimeout', '.data must be an integer from 1 to 2147483647'],
    [{ socketTimeout: 2 ** 31 }, 'socketTimeout', 'got 2147483648'],
    [{ closeTimeout: 2 ** 31 }, 'closeTimeout', 'got 2147483648'],
  ])('%j fails naming %s', (options, option, problem) => {
    expect(check(options)).toThrow(`Invalid FumiModule option "${option}" (server "default"): `);
    expect(check(options)).toThrow(problem);
  });

  it('accepts the longest', () => {
    const longest = 2 ** 31 - 1;
    const options = { maxSessionDuration: longest, commandLineTimeout: longest, handlerTimeout: longest, socketTimeout: longest, closeTimeout: longest };
    expect(check(options)).not.toThrow();
  });
});
