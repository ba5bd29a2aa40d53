import { FumiOptionsError } from '../errors/fumi-options.error.js';
import { checkClientLimits } from './client-limits.checks.js';
import type { FumiModuleOptions } from './fumi-module-options.interface.js';
import { checkHardeningOptions, HARDENING_OPTION_KEYS } from './hardening-options.checks.js';
import { checkProxyProtocolOptions } from './proxy-protocol-options.checks.js';
import { checkSecurityOptions, SECURITY_OPTION_KEYS } from './security-options.checks.js';
import { checkServerOptions, SERVER_OPTION_KEYS } from './server-options.checks.js';
import { SMTP_SERVER_OPTION_KEYS } from './smtp-server-option-keys.js';

const KNOWN_KEYS = new Set<string>([
  ...SERVER_OPTION_KEYS,
  ...SMTP_SERVER_OPTION_KEYS,
  ...SECURITY_OPTION_KEYS,
  ...HARDENING_OPTION_KEYS,
]);
const CALLBACKS = new Set(['onConnect', 'onSecure', 'onAuth', 'onMailFrom', 'onRcptTo', 'onData', 'onClose']);

/**
 * Refuses, at bootstrap, options smtp-server would misread or ignore: a typo must not become a
 * server that silently behaves otherwise. The one entry point; each concern's checks live in
 * their own `*.checks.ts`, and every error names the option (`limits.messageRate.window`).
 */
export function validateFumiOptions(options: FumiModuleOptions, server: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new FumiOptionsError('options', `must be an object, got ${String(options)}`, server);
  }
  checkKeys(options, server);
  checkServerOptions(options, server);
  checkHardeningOptions(options, server);
  checkSecurityOptions(options, server);
  checkClientLimits(options.limits, server);
  checkProxyProtocolOptions(options, server);
}

/** Every key must be a known option; the callbacks and `name` get a hint at where they belong. */
function checkKeys(options: FumiModuleOptions, server: string): void {
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
}
