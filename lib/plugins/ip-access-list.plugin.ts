import ipaddr from 'ipaddr.js';
import { SmtpException } from '../smtp.exception.js';
import type { FumiPlugin } from './fumi-plugin.interface.js';
import type { PluginReplyOptions } from './reply-options.interface.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** `192.0.2.7`, `198.51.100.0/24`, `2001:db8::/32`: an address is a range of one. */
function toRange(entry: string): Range {
  const text = entry.trim();
  try {
    if (!text.includes('/')) {
      const address = ipaddr.process(text);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    }
    const [network, bits] = ipaddr.parseCIDR(text);
    // ::ffff:192.0.2.0/120 is an IPv4 range, and clients are matched as IPv4 (ipaddr.process)
    if (network instanceof ipaddr.IPv6 && network.isIPv4MappedAddress() && bits >= 96) {
      return [network.toIPv4Address(), bits - 96];
    }
    return [network, bits];
  } catch {
    throw new TypeError(`not an IP address or CIDR range: "${entry}"`);
  }
}

function inRange(address: ipaddr.IPv4 | ipaddr.IPv6, [network, bits]: Range): boolean {
  return address.kind() === network.kind() && address.match(network, bits);
}

export interface IpAccessListOptions extends PluginReplyOptions {
  /** Addresses and CIDR ranges refused at connect. */
  deny?: Iterable<string>;
  /** When not empty, only these addresses and ranges may connect. */
  allow?: Iterable<string>;
}

/**
 * An IP allow/deny list checked at connect, IPv4 and IPv6, addresses and CIDR ranges
 * (IPv4-mapped IPv6 clients match IPv4 entries). It is a plugin and a live handle: change it at
 * run time and the next connection sees the change.
 *
 * An address is refused if it matches `deny`, or if `allow` is not empty and it matches none of it.
 */
export interface IpAccessList extends FumiPlugin {
  deny(entry: string): this;
  allow(entry: string): this;
  /** Removes an entry from both lists. */
  remove(entry: string): this;
  isAllowed(address: string): boolean;
  entries(): { allow: string[]; deny: string[] };
}

/**
 * @example
 * const blocked = ipAccessList({ deny: ['203.0.113.0/24', '2001:db8::/32'] });
 * FumiModule.forRoot({ plugins: [blocked] });
 * blocked.deny('198.51.100.7'); // later, without a restart
 */
export function ipAccessList(options: IpAccessListOptions = {}): IpAccessList {
  const lists = { allow: new Map<string, Range>(), deny: new Map<string, Range>() };
  const put = (list: Map<string, Range>, entry: string) => list.set(entry.trim(), toRange(entry));
  for (const entry of options.deny ?? []) put(lists.deny, entry);
  for (const entry of options.allow ?? []) put(lists.allow, entry);
  const { message = 'Access denied', code = 550, enhancedCode = '5.7.1' } = options;

  const isAllowed = (text: string): boolean => {
    if (!ipaddr.isValid(text)) return lists.allow.size === 0 && lists.deny.size === 0;
    const address = ipaddr.process(text);
    for (const range of lists.deny.values()) if (inRange(address, range)) return false;
    if (lists.allow.size === 0) return true;
    for (const range of lists.allow.values()) if (inRange(address, range)) return true;
    return false;
  };

  const plugin: FumiPlugin = (app) => {
    app.onConnect(
      function ipAccessList(ctx) {
        if (!isAllowed(ctx.session.remoteAddress)) throw new SmtpException(message, code, enhancedCode);
      },
      { priority: Number.MAX_SAFE_INTEGER },
    );
  };
  const handle = Object.assign(plugin, {
    deny(entry: string) {
      put(lists.deny, entry);
      return handle;
    },
    allow(entry: string) {
      put(lists.allow, entry);
      return handle;
    },
    remove(entry: string) {
      lists.allow.delete(entry.trim());
      lists.deny.delete(entry.trim());
      return handle;
    },
    isAllowed,
    entries: () => ({ allow: [...lists.allow.keys()], deny: [...lists.deny.keys()] }),
  }) as IpAccessList;
  return handle;
}

/** fumi's `denylist(ips)`: refuse these addresses and ranges at connect (550). */
export const denylist = (ips: Iterable<string>, options: PluginReplyOptions = {}): IpAccessList =>
  ipAccessList({ ...options, deny: ips });

/** Only these addresses and ranges may connect (550 for the rest). */
export const allowlist = (ips: Iterable<string>, options: PluginReplyOptions = {}): IpAccessList =>
  ipAccessList({ ...options, allow: ips });
