import { FumiOptionsError } from '../errors/fumi-options.error.js';
import { MESSAGES } from '../fumi.messages.js';
import type { FumiModuleOptions } from './fumi-module-options.interface.js';
import { COUNTER_STORE_PROBLEM, isCounterStore, isInteger, show } from './value-checks.js';

/** The module's own TLS and AUTH options (smtp-server's are checked with the others). */
export const SECURITY_OPTION_KEYS = ['requireTLS', 'watchCertificates', 'authFailureLimits'] as const;

const AUTH_LIMIT_KEYS = ['perConnection', 'perAddress', 'window', 'store'] as const;
const WATCH_KEYS = ['interval'] as const;

/**
 * Checks that `secure` has a certificate, then `requireTLS`, `watchCertificates` and
 * `authFailureLimits` and how they fit with the rest, at bootstrap; errors name the exact field
 * (`authFailureLimits.perAddress`). Certificates themselves are checked when they are read (`loadCertificates()`).
 */
export function checkSecurityOptions(options: FumiModuleOptions, server: string): void {
  const fail = (option: string, problem: string): never => {
    throw new FumiOptionsError(option, problem, server);
  };
  const { requireTLS, watchCertificates, authFailureLimits } = options as Record<string, unknown>;

  if (options.secure && !options.key && !options.pfx && !options.sniOptions) {
    fail('secure', 'implicit TLS needs a certificate: set "key" and "cert" (or "pfx", or "sniOptions")');
  }

  if (requireTLS !== undefined && typeof requireTLS !== 'boolean') fail('requireTLS', `must be true or false, got ${show(requireTLS)}`);
  if (requireTLS) {
    if (!options.key && !options.cert && !options.pfx) fail('requireTLS', MESSAGES.requireTlsWithoutCertificate());
    if (options.allowInsecureAuth) fail('requireTLS', MESSAGES.requireTlsWithInsecureAuth());
  }

  if (watchCertificates !== undefined && typeof watchCertificates !== 'boolean') {
    if (typeof watchCertificates !== 'object' || watchCertificates === null) {
      fail('watchCertificates', `must be true, false or { interval }, got ${show(watchCertificates)}`);
    }
    const watch = watchCertificates as Record<string, unknown>;
    const unknown = Object.keys(watch).find((key) => !(WATCH_KEYS as readonly string[]).includes(key));
    if (unknown !== undefined) fail('watchCertificates', `has unknown key "${unknown}" (known: ${WATCH_KEYS.join(', ')})`);
    if (watch.interval !== undefined && !isInteger(watch.interval, 10)) {
      fail('watchCertificates.interval', `must be an integer of at least 10 (ms), got ${show(watch.interval)}`);
    }
  }

  if (authFailureLimits !== undefined && authFailureLimits !== false) {
    if (typeof authFailureLimits !== 'object' || authFailureLimits === null) {
      fail('authFailureLimits', `must be false or { perConnection, perAddress, window, store }, got ${show(authFailureLimits)}`);
    }
    const limits = authFailureLimits as Record<string, unknown>;
    const unknown = Object.keys(limits).find((key) => !(AUTH_LIMIT_KEYS as readonly string[]).includes(key));
    if (unknown !== undefined) fail('authFailureLimits', `has unknown key "${unknown}" (known: ${AUTH_LIMIT_KEYS.join(', ')})`);
    for (const key of ['perConnection', 'perAddress'] as const) {
      const value = limits[key];
      if (value !== undefined && value !== false && !isInteger(value, 1)) {
        fail(`authFailureLimits.${key}`, `must be a whole number of attempts from 1, or false for no limit, got ${show(value)}`);
      }
    }
    if (limits.window !== undefined && !isInteger(limits.window, 1)) {
      fail('authFailureLimits.window', `must be a whole number of ms from 1, got ${show(limits.window)}`);
    }
    if (limits.store !== undefined && !isCounterStore(limits.store)) fail('authFailureLimits.store', COUNTER_STORE_PROBLEM);
  }
}
