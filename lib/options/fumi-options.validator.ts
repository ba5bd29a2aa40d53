import { accessSync, constants, statSync } from 'node:fs';
import { HARDENING_OPTION_KEYS, validateHardeningOptions } from './hardening-options.checks.js';
import { FumiOptionsError } from '../errors/fumi-options.error.js';
import type { FumiModuleOptions } from './fumi-module-options.interface.js';
import { SECURITY_OPTION_KEYS, validateSecurityOptions } from './security-options.checks.js';
import { validateClientLimits } from './client-limits.checks.js';
import { SMTP_SERVER_OPTION_KEYS } from './smtp-server-option-keys.js';
import { SMTP_PHASES } from '../context/smtp-phase.js';
import { validateProxyProtocolOptions } from './proxy-protocol-options.checks.js';

const OWN_KEYS = ['port', 'host', 'hostname', 'handlerTimeout', 'closeTimeout', 'spoolThreshold', 'spoolDirectory', 'plugins', 'limits', 'proxyProtocol'] as const;
const KNOWN_KEYS = new Set<string>([...OWN_KEYS, ...SMTP_SERVER_OPTION_KEYS]);
const AUTH_METHODS = new Set(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']);
const CALLBACKS = new Set(['onConnect', 'onSecure', 'onAuth', 'onMailFrom', 'onRcptTo', 'onData', 'onClose']);
// TLS and AUTH options are checked on their own, by validateSecurityOptions().
for (const key of SECURITY_OPTION_KEYS) KNOWN_KEYS.add(key);
// So are the line-ending policy and the session caps, by validateHardeningOptions().
for (const key of HARDENING_OPTION_KEYS) KNOWN_KEYS.add(key);

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
  if (typeof value === 'number') return integer(1)(value);
  if (typeof value !== 'object' || value === null) return `must be milliseconds or { [phase]: ms }, got ${String(value)}`;
  for (const [phase, ms] of Object.entries(value)) {
    if (!(SMTP_PHASES as readonly string[]).includes(phase)) {
      return `has unknown phase "${phase}" (phases: ${SMTP_PHASES.join(', ')})`;
    }
    const problem = integer(1)(ms);
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
  socketTimeout: integer(1),
  closeTimeout: integer(0),
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

/**
 * Refuses, at bootstrap, options smtp-server would misread or ignore: a typo must not become a
 * server that silently behaves otherwise.
 */
export function validateFumiOptions(options: FumiModuleOptions, server: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new FumiOptionsError('options', `must be an object, got ${String(options)}`, server);
  }
  for (const key of Object.keys(options)) {
    if (CALLBACKS.has(key)) {
      throw new FumiOptionsError(key, `callbacks are the module's; write a handler with @On${key.slice(2)}() instead`, server);
    }
    if (key === 'name') {
      throw new FumiOptionsError(
        key,
        "names the server: pass it to forRoot()/forRootAsync() itself, not from an options factory (the greeting's host name is 'hostname')",
        server,
      );
    }
    if (!KNOWN_KEYS.has(key)) throw new FumiOptionsError(key, 'is not a known option', server);
  }
  for (const [key, check] of Object.entries(CHECKS) as [keyof FumiModuleOptions, Check][]) {
    const value = options[key];
    if (value === undefined) continue;
    const problem = check(value);
    if (problem) throw new FumiOptionsError(key, problem, server);
  }
  validateHardeningOptions(options, server);
  if (options.secure && !options.key && !options.pfx && !options.sniOptions) {
    throw new FumiOptionsError(
      'secure',
      'implicit TLS needs a certificate: set "key" and "cert" (or "pfx", or "sniOptions")',
      server,
    );
  }
  validateSecurityOptions(options, server);
  validateClientLimits(options.limits, server);
  validateProxyProtocolOptions(options, server);
}
