import { accessSync, constants, statSync } from 'node:fs';
import { SMTP_PHASES } from '../context/smtp-phase.js';
import { FumiOptionsError } from '../errors/fumi-options.error.js';
import { MAX_TIMER_MS } from './value-checks.js';
import type { FumiModuleOptions } from './fumi-module-options.interface.js';

/** The module's own server options (smtp-server's pass through, see `SMTP_SERVER_OPTION_KEYS`). */
export const SERVER_OPTION_KEYS = [
  'port',
  'host',
  'hostname',
  'handlerTimeout',
  'closeTimeout',
  'spoolThreshold',
  'spoolDirectory',
  'plugins',
  'limits',
  'proxyProtocol',
] as const;

const AUTH_METHODS = new Set(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']);

type Check = (value: unknown) => string | undefined;

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (value) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? undefined
      : `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`;

const boolean: Check = (value) =>
  typeof value === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(value)}`;

const nonEmptyString: Check = (value) =>
  typeof value === 'string' && value.length > 0 ? undefined : `must be a non-empty string, got ${JSON.stringify(value)}`;

const stringList: Check = (value) =>
  Array.isArray(value) && value.every((v) => typeof v === 'string')
    ? undefined
    : `must be an array of strings, got ${JSON.stringify(value)}`;

const timeout: Check = (value) => {
  if (typeof value === 'number') return integer(1, MAX_TIMER_MS)(value);
  if (typeof value !== 'object' || value === null) return `must be milliseconds or { [phase]: ms }, got ${String(value)}`;
  for (const [phase, ms] of Object.entries(value)) {
    if (!(SMTP_PHASES as readonly string[]).includes(phase)) {
      return `has unknown phase "${phase}" (phases: ${SMTP_PHASES.join(', ')})`;
    }
    const problem = integer(1, MAX_TIMER_MS)(ms);
    if (problem) return `.${phase} ${problem}`;
  }
  return undefined;
};

/** Spool files are created there while messages arrive: a bad path must not wait for the first large one. */
const writableDirectory: Check = (value) => {
  const problem = nonEmptyString(value);
  if (problem) return problem;
  const path = value as string;
  try {
    if (!statSync(path).isDirectory()) return `must be a directory, got the file "${path}"`;
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    return `must be a writable directory, got "${path}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
};

const CHECKS: Partial<Record<keyof FumiModuleOptions, Check>> = {
  port: integer(0, 65535),
  host: nonEmptyString,
  hostname: nonEmptyString,
  banner: (value) => (typeof value === 'string' ? undefined : `must be a string, got ${JSON.stringify(value)}`),
  size: integer(0),
  maxClients: integer(1),
  maxRecipients: integer(1),
  maxCommandLength: integer(512),
  socketTimeout: integer(1, MAX_TIMER_MS),
  closeTimeout: integer(0, MAX_TIMER_MS),
  handlerTimeout: timeout,
  spoolThreshold: integer(0),
  spoolDirectory: (value) => {
    if (value === false) return undefined;
    if (typeof value !== 'string') return `must be a writable directory, or false for no spool file, got ${JSON.stringify(value)}`;
    return writableDirectory(value);
  },
  plugins: (value) =>
    Array.isArray(value) && value.every((p) => typeof p === 'function')
      ? undefined
      : 'must be an array of plugins (functions taking the plugin API)',
  secure: boolean,
  lmtp: boolean,
  authOptional: boolean,
  allowInsecureAuth: boolean,
  hideSTARTTLS: boolean,
  disabledCommands: stringList,
  authMethods: (value) => {
    const problem = stringList(value);
    if (problem) return problem;
    const unknown = (value as string[]).find((m) => !AUTH_METHODS.has(m.toUpperCase()));
    return unknown === undefined
      ? undefined
      : `has unknown method "${unknown}" (supported: ${[...AUTH_METHODS].join(', ')})`;
  },
};

/** Checks the plain server options (ports, sizes, timeouts, the spool, smtp-server's flags) by type and range. */
export function checkServerOptions(options: FumiModuleOptions, server: string): void {
  for (const [key, check] of Object.entries(CHECKS) as [keyof FumiModuleOptions, Check][]) {
    const value = options[key];
    if (value === undefined) continue;
    const problem = check(value);
    if (problem) throw new FumiOptionsError(key, problem, server);
  }
}
