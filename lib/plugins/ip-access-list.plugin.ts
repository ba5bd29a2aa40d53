import { SmtpException } from '../exceptions/smtp.exception.js';
import type { FumiPlugin } from './fumi-plugin.interface.js';
import { IpRangeList } from './ip-range-list.js';
import { OUTERMOST_PRIORITY, type PluginReplyOptions } from './reply-options.interface.js';

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
 * It runs at `OUTERMOST_PRIORITY` unless given a `priority`, so a refused client reaches no other
 * plugin or handler.
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
  const deny = new IpRangeList(options.deny);
  const allow = new IpRangeList(options.allow);
  const { message = 'Access denied', code = 550, enhancedCode = '5.7.1', priority = OUTERMOST_PRIORITY } = options;
  const isAllowed = (address: string): boolean =>
    !deny.matches(address) && (allow.size === 0 || allow.matches(address));

  const plugin: FumiPlugin = (app) => {
    app.onConnect(
      function ipAccessList(ctx) {
        if (!isAllowed(ctx.session.remoteAddress)) throw new SmtpException(message, code, enhancedCode);
      },
      { priority },
    );
  };
  const handle = Object.assign(plugin, {
    deny(entry: string) {
      deny.add(entry);
      return handle;
    },
    allow(entry: string) {
      allow.add(entry);
      return handle;
    },
    remove(entry: string) {
      allow.delete(entry);
      deny.delete(entry);
      return handle;
    },
    isAllowed,
    entries: () => ({ allow: allow.entries(), deny: deny.entries() }),
  }) as IpAccessList;
  return handle;
}

/** fumi's `denylist(ips)`: refuse these addresses and ranges at connect (550). */
export const denylist = (ips: Iterable<string>, options: PluginReplyOptions = {}): IpAccessList =>
  ipAccessList({ ...options, deny: ips });

/** Only these addresses and ranges may connect (550 for the rest). */
export const allowlist = (ips: Iterable<string>, options: PluginReplyOptions = {}): IpAccessList =>
  ipAccessList({ ...options, allow: ips });
