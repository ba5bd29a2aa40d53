import { isIP } from 'node:net';
import { isInteger, MAX_TIMER_MS } from '../../options/value-checks.js';
import { IpRangeList } from '../../plugins/ip-range-list.js';
import { FumiMailAuthOptionsError } from '../fumi-mail-auth-options.error.js';
import type { FumiMailAuthModuleOptions } from './mail-auth-options.interface.js';

const KEYS = ['authservId', 'dns', 'spf', 'dmarc', 'temperror', 'dnsbl', 'greylist', 'allowlist'] as const;
const ACTIONS = ['reject', 'tag'];

const show = (value: unknown) => JSON.stringify(value) ?? String(value);
const fail = (option: string, problem: string): never => {
  throw new FumiMailAuthOptionsError(option, problem);
};

function object(option: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(option, `must be an object, got ${show(value)}`);
  const unknown = Object.keys(value as object).find((key) => !keys.includes(key));
  if (unknown !== undefined) fail(option === 'options' ? unknown : `${option}.${unknown}`, `is not a known option (known: ${keys.join(', ')})`);
  return value as Record<string, unknown>;
}

function positive(option: string, value: unknown, max = Number.MAX_SAFE_INTEGER): void {
  if (value !== undefined && !isInteger(value, 1, max)) {
    fail(option, `must be a whole number from 1 to ${max}, got ${show(value)}`);
  }
}

function action(option: string, value: unknown): void {
  if (value !== undefined && !ACTIONS.includes(value as string)) fail(option, `must be "reject" or "tag", got ${show(value)}`);
}

/** A name server as `ip`, `ip:port` or `[ipv6]:port`, as `Resolver.setServers()` takes it. */
function nameServer(entry: unknown): boolean {
  if (typeof entry !== 'string') return false;
  const match = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(entry);
  if (!match) return isIP(entry) === 6;
  return isIP(match[1]!) !== 0 && (match[2] === undefined || (Number(match[2]) > 0 && Number(match[2]) < 65536));
}

/** Refuses, at bootstrap, options that would make every check fail later; each error names its option. */
export function validateMailAuthOptions(options: FumiMailAuthModuleOptions): void {
  const o = object('options', options, KEYS);
  if (o.authservId !== undefined && (typeof o.authservId !== 'string' || !/^[^\s;()"]+$/.test(o.authservId))) {
    fail('authservId', `must be a host name (no spaces, ";", quotes or parentheses), got ${show(o.authservId)}`);
  }
  if (o.dns !== undefined) {
    const dns = object('dns', o.dns, ['servers', 'timeout', 'tries', 'budget']);
    if (dns.servers !== undefined && (!Array.isArray(dns.servers) || !dns.servers.length || !dns.servers.every(nameServer))) {
      fail('dns.servers', `must be a non-empty list of "ip", "ip:port" or "[ipv6]:port", got ${show(dns.servers)}`);
    }
    positive('dns.timeout', dns.timeout, MAX_TIMER_MS);
    positive('dns.tries', dns.tries, 100);
    positive('dns.budget', dns.budget, MAX_TIMER_MS);
  }
  if (o.spf !== undefined && o.spf !== false) action('spf.fail', object('spf', o.spf, ['fail']).fail);
  if (o.dmarc !== undefined && o.dmarc !== false) {
    const dmarc = object('dmarc', o.dmarc, ['reject', 'arc', 'minBitLength', 'maxSignatures']);
    positive('dmarc.maxSignatures', dmarc.maxSignatures, 1000);
    action('dmarc.reject', dmarc.reject);
    if (dmarc.arc !== undefined && typeof dmarc.arc !== 'boolean') fail('dmarc.arc', `must be a boolean, got ${show(dmarc.arc)}`);
    positive('dmarc.minBitLength', dmarc.minBitLength);
  }
  if (o.temperror !== undefined && o.temperror !== 'defer' && o.temperror !== 'tag') {
    fail('temperror', `must be "defer" or "tag", got ${show(o.temperror)}`);
  }
  if (o.dnsbl !== undefined) {
    const dnsbl = object('dnsbl', o.dnsbl, ['zones', 'listed', 'negativeTtl']);
    const zones = dnsbl.zones;
    if (!Array.isArray(zones) || !zones.length || !zones.every((z) => typeof z === 'string' && /^[a-z0-9_.-]+\.?$/i.test(z) && z.includes('.'))) {
      fail('dnsbl.zones', `must be a non-empty list of DNS zones such as "zen.spamhaus.org", got ${show(zones)}`);
    }
    action('dnsbl.listed', dnsbl.listed);
    positive('dnsbl.negativeTtl', dnsbl.negativeTtl);
  }
  if (o.greylist !== undefined && o.greylist !== true) {
    const greylist = object('greylist', o.greylist, ['delay', 'retryWindow', 'expiry', 'skipSpfPass', 'store']);
    for (const key of ['delay', 'retryWindow', 'expiry']) positive(`greylist.${key}`, greylist[key]);
    if (typeof greylist.delay === 'number' && typeof greylist.retryWindow === 'number' && greylist.retryWindow <= greylist.delay) {
      fail('greylist.retryWindow', 'must be longer than greylist.delay, or no retry could ever pass');
    }
    const store = greylist.store as Record<string, unknown> | undefined;
    if (store !== undefined && !['increment', 'get', 'reset'].every((m) => typeof store?.[m] === 'function')) {
      fail('greylist.store', 'must be a CounterStore (increment, get, reset)');
    }
    if (greylist.skipSpfPass !== undefined && typeof greylist.skipSpfPass !== 'boolean') {
      fail('greylist.skipSpfPass', `must be a boolean, got ${show(greylist.skipSpfPass)}`);
    }
  }
  if (o.allowlist !== undefined) {
    if (!Array.isArray(o.allowlist)) fail('allowlist', `must be a list of addresses and CIDR ranges, got ${show(o.allowlist)}`);
    try {
      new IpRangeList(o.allowlist as string[]);
    } catch (error) {
      fail('allowlist', (error as Error).message);
    }
  }
}

/** The extras of `forRoot()`, checked where the module is declared. */
export function validateMailAuthExtras(extras: { server?: unknown; priority?: unknown; greylistPriority?: unknown }): void {
  if (extras.server !== undefined && (typeof extras.server !== 'string' || !extras.server)) {
    fail('server', `must be the name of a FumiModule server, got ${show(extras.server)}`);
  }
  for (const key of ['priority', 'greylistPriority'] as const) {
    if (extras[key] !== undefined && !(typeof extras[key] === 'number' && Number.isFinite(extras[key]))) {
      fail(key, `must be a finite number, got ${show(extras[key])}`);
    }
  }
}
