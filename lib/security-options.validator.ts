import { FumiOptionsError } from './errors/fumi-options.error.js';
import { MESSAGES } from './fumi.messages.js';
import type { FumiModuleOptions } from './interfaces/fumi-module-options.interface.js';

/** The module's own TLS and AUTH options (smtp-server's are checked with the others). */
export const SECURITY_OPTION_KEYS = ['watchCertificates'] as const;

const WATCH_KEYS = ['interval'] as const;

const show = (value: unknown) => (typeof value === 'function' ? 'a function' : JSON.stringify(value) ?? String(value));

const isInteger = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min;

/**
 * Checks `watchCertificates` at bootstrap; errors name the exact field (`watchCertificates.interval`).
 * Certificates themselves are checked when they are read (`loadCertificates()`).
 */
export function validateSecurityOptions(options: FumiModuleOptions, server: string): void {
  const fail = (option: string, problem: string): never => {
    throw new FumiOptionsError(option, problem, server);
  };
  const { watchCertificates } = options as Record<string, unknown>;

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
}
