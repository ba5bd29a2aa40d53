import { isIPv6 } from 'node:net';

/**
 * The unit a per-address limit counts: an IPv4 address as it is, an IPv6 address by its /64
 * prefix, the block one subscriber usually gets. Counting single IPv6 addresses would give an
 * attacker 2^64 fresh budgets for free.
 */
export function clientAddressKey(address: string): string {
  const bare = address.split('%')[0] ?? address;
  if (!isIPv6(bare)) return address;
  const groups = (part: string) =>
    part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
  const [head = '', tail] = bare.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
