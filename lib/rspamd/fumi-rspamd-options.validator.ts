import { isInteger, MAX_TIMER_MS } from '../options/value-checks.js';
import { FumiRspamdOptionsError } from './fumi-rspamd-options.error.js';
import type { FumiRspamdModuleExtras, FumiRspamdModuleOptions } from './fumi-rspamd-options.interface.js';

const KEYS = ['url', 'timeout', 'onFailure', 'circuitBreaker', 'maxSize'] as const;
const BREAKER_KEYS = ['failures', 'resetAfter'] as const;

const show = (value: unknown) => JSON.stringify(value) ?? String(value);
const fail = (option: string, problem: string): never => {
  throw new FumiRspamdOptionsError(option, problem);
};

/** Refuses, at bootstrap, options that would make every scan fail later, message after message. */
export function validateFumiRspamdOptions(options: FumiRspamdModuleOptions): void {
  if (typeof options !== 'object' || options === null) fail('options', `must be an object, got ${show(options)}`);
  const unknown = Object.keys(options).find((key) => !(KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) fail(unknown, `is not a known option (known: ${KEYS.join(', ')})`);
  validateUrl(options.url);
  const { timeout, onFailure, circuitBreaker, maxSize } = options;
  if (timeout !== undefined && !isInteger(timeout, 1, MAX_TIMER_MS)) fail('timeout', `must be a whole number of milliseconds from 1, got ${show(timeout)}`);
  if (onFailure !== undefined && onFailure !== 'tempfail' && onFailure !== 'accept') {
    fail('onFailure', `must be 'tempfail' or 'accept', got ${show(onFailure)}`);
  }
  if (maxSize !== undefined && !isInteger(maxSize, 1)) fail('maxSize', `must be a whole number of bytes from 1, got ${show(maxSize)}`);
  if (circuitBreaker === undefined || circuitBreaker === false) return;
  if (typeof circuitBreaker !== 'object' || circuitBreaker === null) {
    fail('circuitBreaker', `must be { failures?, resetAfter? } or false, got ${show(circuitBreaker)}`);
  }
  const unknownBreakerKey = Object.keys(circuitBreaker).find((key) => !(BREAKER_KEYS as readonly string[]).includes(key));
  if (unknownBreakerKey !== undefined) fail(`circuitBreaker.${unknownBreakerKey}`, `is not a known option (known: ${BREAKER_KEYS.join(', ')})`);
  if (circuitBreaker.failures !== undefined && !isInteger(circuitBreaker.failures, 1)) {
    fail('circuitBreaker.failures', `must be a whole number from 1, got ${show(circuitBreaker.failures)}`);
  }
  if (circuitBreaker.resetAfter !== undefined && !isInteger(circuitBreaker.resetAfter, 1, MAX_TIMER_MS)) {
    fail('circuitBreaker.resetAfter', `must be a whole number of milliseconds from 1, got ${show(circuitBreaker.resetAfter)}`);
  }
}

function validateUrl(url: unknown): void {
  if (typeof url !== 'string' || !url) fail('url', `is required: rspamd's address, e.g. 'http://127.0.0.1:11333', got ${show(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url as string);
  } catch {
    return fail('url', `is not a URL: ${show(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail('url', `must be http: or https:, got ${show(url)}`);
  if (parsed.search || parsed.hash) fail('url', `must have no query or fragment, got ${show(url)}`);
  if (/\/checkv2\/?$/.test(parsed.pathname)) fail('url', `is rspamd's address without the endpoint: /checkv2 is added, got ${show(url)}`);
}

/** `server` and `priority` are read when the module is declared, before any options exist. */
export function validateFumiRspamdExtras(extras: FumiRspamdModuleExtras): void {
  const { server, priority } = extras;
  if (typeof server !== 'string' || !server) fail('server', `must be the name of a FumiModule server, got ${show(server)}`);
  if (typeof priority !== 'number' || !Number.isFinite(priority)) fail('priority', `must be a finite number, got ${show(priority)}`);
}
