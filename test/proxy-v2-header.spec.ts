import { PROXY_V2_MAX_LENGTH, readProxyV2Header, toProxyV1Line, type ProxyV2Reading } from '../lib/proxy/proxy-v2-header.js';
import { proxyV2Header } from './support/proxy-v2.js';

const complete = (reading: ProxyV2Reading) => {
  if (reading.status !== 'complete') throw new Error(`expected a complete header, got ${JSON.stringify(reading)}`);
  return reading;
};

describe('PROXY protocol v2 header', () => {
  it('reads a TCP over IPv4 header and its length', () => {
    const bytes = proxyV2Header({ source: ['203.0.113.7', 40001], destination: ['192.0.2.1', 25] });
    const reading = complete(readProxyV2Header(Buffer.concat([bytes, Buffer.from('EHLO x\r\n')])));
    expect(reading.length).toBe(bytes.length);
    expect(reading.header).toEqual({
      command: 'proxy',
      source: { address: '203.0.113.7', port: 40001 },
      destination: { address: '192.0.2.1', port: 25 },
    });
    expect(toProxyV1Line(reading.header)).toBe('PROXY TCP4 203.0.113.7 192.0.2.1 40001 25\r\n');
  });

  it('reads a TCP over IPv6 header', () => {
    const reading = complete(readProxyV2Header(proxyV2Header({ source: ['2001:db8::7', 1], destination: ['2001:db8::1', 587] })));
    expect(reading.header).toMatchObject({ source: { address: '2001:db8::7', port: 1 } });
    expect(toProxyV1Line(reading.header)).toBe('PROXY TCP6 2001:db8::7 2001:db8::1 1 587\r\n');
  });

  it('writes IPv4-mapped IPv6 clients as IPv4', () => {
    const reading = complete(readProxyV2Header(proxyV2Header({ source: ['::ffff:198.51.100.9', 5], destination: ['::ffff:192.0.2.1', 25] })));
    expect(toProxyV1Line(reading.header)).toBe('PROXY TCP4 198.51.100.9 192.0.2.1 5 25\r\n');
  });

  it('skips TLVs', () => {
    const tlvs = Buffer.from([0x05, 0x00, 0x03, 0x61, 0x62, 0x63, 0x04, 0x00, 0x00]); // UNIQUE_ID "abc", NOOP
    const bytes = proxyV2Header({ source: ['203.0.113.7', 1], destination: ['192.0.2.1', 2], tlvs });
    const reading = complete(readProxyV2Header(bytes));
    expect(reading.length).toBe(bytes.length);
    expect(reading.header).toMatchObject({ source: { address: '203.0.113.7' } });
  });

  it('reads LOCAL (the balancer itself) and families without an IP address as "unknown"', () => {
    expect(toProxyV1Line(complete(readProxyV2Header(proxyV2Header({ command: 'local' }))).header)).toBe('PROXY UNKNOWN\r\n');
    expect(toProxyV1Line(complete(readProxyV2Header(proxyV2Header({ command: 'proxy' }))).header)).toBe('PROXY UNKNOWN\r\n');
    const unix = proxyV2Header({ familyTransport: 0x31, tlvs: Buffer.alloc(216) });
    expect(complete(readProxyV2Header(unix)).header).toEqual({ command: 'proxy' });
  });

  it('waits for the rest of a header cut anywhere', () => {
    const bytes = proxyV2Header({ source: ['2001:db8::7', 1], destination: ['2001:db8::1', 2] });
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(readProxyV2Header(bytes.subarray(0, cut)).status).toBe('incomplete');
    }
    expect(readProxyV2Header(bytes).status).toBe('complete');
  });

  it.each<[string, Buffer, RegExp]>([
    ['a v1 line', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), /signature/],
    ['SMTP', Buffer.from('EHLO client\r\n'), /signature/],
    ['version 1 in a v2 frame', proxyV2Header({ versionCommand: 0x11 }), /version 1/],
    ['an unknown command', proxyV2Header({ versionCommand: 0x22 }), /command 2/],
    ['UDP', proxyV2Header({ source: ['203.0.113.7', 1], destination: ['192.0.2.1', 2], familyTransport: 0x12 }), /STREAM/],
    ['an unknown family', proxyV2Header({ familyTransport: 0x41 }), /family 4/],
    ['a short address block', proxyV2Header({ familyTransport: 0x21, tlvs: Buffer.alloc(12) }), /shorter/],
    ['an oversized header', proxyV2Header({ length: PROXY_V2_MAX_LENGTH }), /longer than/],
  ])('refuses %s', (_name, bytes, reason) => {
    const reading = readProxyV2Header(bytes);
    expect(reading.status).toBe('invalid');
    expect(reading.status === 'invalid' && reading.reason).toMatch(reason);
  });
});
