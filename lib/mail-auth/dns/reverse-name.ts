import ipaddr from 'ipaddr.js';

/** The name a DNS blocklist is asked for an address: reversed octets (IPv4) or nibbles (IPv6). */
export function reverseName(address: string, zone: string): string {
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return `${[...ip.toByteArray()].reverse().join('.')}.${zone}`;
  const nibbles = ip
    .toByteArray()
    .flatMap((byte) => [byte >> 4, byte & 0x0f])
    .map((n) => n.toString(16))
    .reverse();
  return `${nibbles.join('.')}.${zone}`;
}

/** The network a greylisting triplet names a client by: its /24 (IPv4) or /64 (IPv6). */
export function clientNetwork(address: string): string {
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return `${ip.toByteArray().slice(0, 3).join('.')}.0/24`;
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
