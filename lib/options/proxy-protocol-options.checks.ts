import { FumiOptionsError } from '../errors/fumi-options.error.js';
import type { FumiModuleOptions } from './fumi-module-options.interface.js';
import { ipAccessList } from '../plugins/ip-access-list.plugin.js';
import { PROXY_MESSAGES } from '../proxy/proxy-protocol.messages.js';

const KEYS = ['trustedProxies', 'version'] as const;
const VERSIONS = ['v1', 'v2', 'any'] as const;

/** Checks `proxyProtocol`, and that it is not combined with smtp-server's own `useProxy`. */
export function checkProxyProtocolOptions(options: FumiModuleOptions, server: string): void {
  const value: unknown = options.proxyProtocol;
  if (value === undefined || value === false) return;
  const fail = (option: string, problem: string): never => {
    throw new FumiOptionsError(option, problem, server);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('proxyProtocol', PROXY_MESSAGES.notAnObject(value));
  const proxy = value as Record<string, unknown>;
  const unknown = Object.keys(proxy).find((key) => !(KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) fail('proxyProtocol', `has unknown key "${unknown}" (known: ${KEYS.join(', ')})`);
  const trusted = proxy.trustedProxies;
  if (!Array.isArray(trusted) || trusted.length === 0 || !trusted.every((entry) => typeof entry === 'string')) {
    fail('proxyProtocol.trustedProxies', PROXY_MESSAGES.trustedProxiesMissing());
  }
  try {
    ipAccessList({ allow: trusted as string[] });
  } catch (error) {
    fail('proxyProtocol.trustedProxies', (error as Error).message);
  }
  if (proxy.version !== undefined && !(VERSIONS as readonly unknown[]).includes(proxy.version)) {
    fail('proxyProtocol.version', `must be one of ${VERSIONS.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(proxy.version)}`);
  }
  if (options.useProxy !== undefined && options.useProxy !== false) fail('useProxy', PROXY_MESSAGES.useProxyAndProxyProtocol());
}
