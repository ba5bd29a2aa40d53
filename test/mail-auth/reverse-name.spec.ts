import { clientNetwork, reverseName } from '../../lib/mail-auth/dns/reverse-name.js';

describe('DNS blocklist names and greylisting networks', () => {
  it.each([
    ['127.0.0.2', 'zen.example', '2.0.0.127.zen.example'],
    ['::ffff:192.0.2.99', 'bl.test', '99.2.0.192.bl.test'],
    ['2001:db8::1', 'bl.test', '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test'],
  ])('%s is asked of %s as %s (RFC 5782)', (address, zone, name) => {
    expect(reverseName(address, zone)).toBe(name);
  });

  it.each([
    ['192.0.2.99', '192.0.2.0/24'],
    ['::ffff:192.0.2.99', '192.0.2.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
  ])('%s greylists as the network %s', (address, network) => {
    expect(clientNetwork(address)).toBe(network);
  });
});
