import ipaddr from 'ipaddr.js';

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

/**
 * Addresses and CIDR ranges, IPv4 and IPv6, matched with ipaddr.js. IPv4-mapped IPv6 clients
 * (`::ffff:192.0.2.7`, what a dual-stack socket reports) match IPv4 entries.
 */
export class IpRangeList {
  private readonly ranges = new Map<string, Range>();

  constructor(entries: Iterable<string> = []) {
    for (const entry of entries) this.add(entry);
  }

  get size(): number {
    return this.ranges.size;
  }

  /** Adds an entry; throws a `TypeError` naming it when it is neither an address nor a range. */
  add(entry: string): void {
    this.ranges.set(entry.trim(), toRange(entry));
  }

  delete(entry: string): boolean {
    return this.ranges.delete(entry.trim());
  }

  /** Whether `address` is in one of the ranges; `false` for anything that is not an IP address. */
  matches(address: string): boolean {
    if (!ipaddr.isValid(address)) return false;
    const ip = ipaddr.process(address);
    for (const [network, bits] of this.ranges.values()) {
      if (ip.kind() === network.kind() && ip.match(network, bits)) return true;
    }
    return false;
  }

  entries(): string[] {
    return [...this.ranges.keys()];
  }
}
