import { FumiOptionsError, type FumiModuleOptions } from '../../lib/index.js';
import { validateFumiOptions } from '../../lib/fumi-options.validator.js';

const check = (options: Record<string, unknown>) => () => validateFumiOptions(options as FumiModuleOptions, 'default');

describe('hardening options are checked at bootstrap', () => {
  it.each([
    [{ bareLineFeeds: 'strip' }, 'bareLineFeeds', "must be one of 'normalize', 'reject', 'allow'"],
    [{ bareLineFeeds: true }, 'bareLineFeeds', 'got true'],
    [{ maxSessionDuration: 600 }, 'maxSessionDuration', 'milliseconds from 1000, got 600'],
    [{ maxSessionDuration: '10m' }, 'maxSessionDuration', 'got "10m"'],
    [{ maxSessionDuration: true }, 'maxSessionDuration', 'must be false (no limit)'],
    [{ maxCommands: 0 }, 'maxCommands', 'whole number from 1, got 0'],
    [{ maxCommands: 2.5 }, 'maxCommands', 'got 2.5'],
  ])('%j fails naming %s', (options, option, problem) => {
    expect(check(options)).toThrow(FumiOptionsError);
    expect(check(options)).toThrow(`Invalid FumiModule option "${option}" (server "default"): `);
    expect(check(options)).toThrow(problem);
  });

  it.each([
    [{ bareLineFeeds: 'normalize' }],
    [{ bareLineFeeds: 'reject' }],
    [{ bareLineFeeds: 'allow' }],
    [{ maxSessionDuration: false, maxCommands: false }],
    [{ maxSessionDuration: 1000, maxCommands: 1 }],
  ])('accepts %j', (options) => {
    expect(check(options)).not.toThrow();
  });
});
