import ipaddr from 'ipaddr.js';
import { clientAddressKey } from '../../auth/client-address-key.js';

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
  // the same /64 the AUTH failure limits count an IPv6 client by
  return clientAddressKey(ip.toString());
}
