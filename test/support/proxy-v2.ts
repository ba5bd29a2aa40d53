import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { PROXY_V2_SIGNATURE } from '../../lib/proxy/proxy-v2-header.js';

export interface ProxyV2HeaderSpec {
  command?: 'local' | 'proxy';
  /** `[address, port]` of the client; both ends must be of one family. Omitted: family UNSPEC. */
  source?: [string, number];
  destination?: [string, number];
  /** Raw bytes of TLVs appended after the addresses. */
  tlvs?: Buffer;
  /** Override the version/command byte, family/transport byte or length, to build broken headers. */
  versionCommand?: number;
  familyTransport?: number;
  length?: number;
}

/** Builds a PROXY protocol v2 header byte by byte, as a load balancer would send it. */
export function proxyV2Header(spec: ProxyV2HeaderSpec = {}): Buffer {
  const command = spec.command === 'local' ? 0x0 : 0x1;
  let familyTransport = 0x00;
  let addresses = Buffer.alloc(0);
  if (spec.source && spec.destination) {
    const v4 = isIPv4(spec.source[0]);
    familyTransport = v4 ? 0x11 : 0x21;
    const bytes = (address: string) => Buffer.from(ipaddr.parse(address).toByteArray());
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(spec.source[1], 0);
    ports.writeUInt16BE(spec.destination[1], 2);
    addresses = Buffer.concat([bytes(spec.source[0]), bytes(spec.destination[0]), ports]);
  }
  const body = Buffer.concat([addresses, spec.tlvs ?? Buffer.alloc(0)]);
  const fixed = Buffer.alloc(4);
  fixed[0] = spec.versionCommand ?? (0x20 | command);
  fixed[1] = spec.familyTransport ?? familyTransport;
  fixed.writeUInt16BE(spec.length ?? body.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, body]);
}
