import ipaddr from 'ipaddr.js';

/** The 12 bytes every PROXY protocol v2 header starts with (HAProxy's spec, section 2.2). */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** Signature, version/command, family/transport and the 2-byte length. */
const FIXED_PART = 16;

/**
 * The longest header accepted, TLVs included. The spec allows 64 KiB, but what load balancers
 * send (addresses, a few TLVs) fits in a few hundred bytes; a bound keeps a broken peer from
 * making us buffer much before the SMTP session starts.
 */
export const PROXY_V2_MAX_LENGTH = 4096;

/** One end of the proxied connection. */
export interface ProxiedEndpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * What a v2 header says. `LOCAL` (the proxy's own health checks) and `PROXY` over a family
 * that carries no IP address (`UNSPEC`, `UNIX`) leave the connection's own address in place.
 */
export type ProxyV2Header =
  | { readonly command: 'local' }
  | { readonly command: 'proxy'; readonly source?: undefined }
  | { readonly command: 'proxy'; readonly source: ProxiedEndpoint; readonly destination: ProxiedEndpoint };

/** The outcome of looking at the first bytes of a connection. */
export type ProxyV2Reading =
  | { readonly status: 'incomplete' }
  | { readonly status: 'invalid'; readonly reason: string }
  | { readonly status: 'complete'; readonly header: ProxyV2Header; /** Bytes the header takes. */ readonly length: number };

const INCOMPLETE = { status: 'incomplete' } as const;
const invalid = (reason: string): ProxyV2Reading => ({ status: 'invalid', reason });

/** `true` while `bytes` could still be (or already is) the start of a v2 signature. */
export function couldBeProxyV2(bytes: Buffer): boolean {
  const length = Math.min(bytes.length, PROXY_V2_SIGNATURE.length);
  return bytes.subarray(0, length).equals(PROXY_V2_SIGNATURE.subarray(0, length));
}

/**
 * Reads a PROXY protocol v2 header from the start of `bytes`: `incomplete` until all of it has
 * arrived, then the header and its length (the bytes after it belong to the SMTP session).
 * TLVs are skipped; only TCP over IPv4/IPv6 carries addresses we use.
 */
export function readProxyV2Header(bytes: Buffer): ProxyV2Reading {
  if (!couldBeProxyV2(bytes)) return invalid('not a PROXY protocol v2 signature');
  if (bytes.length < FIXED_PART) return INCOMPLETE;
  const versionAndCommand = bytes[12]!;
  if (versionAndCommand >> 4 !== 2) return invalid(`unsupported version ${versionAndCommand >> 4}`);
  const command = versionAndCommand & 0x0f;
  if (command > 1) return invalid(`unknown command ${command}`);
  const family = bytes[13]! >> 4;
  const transport = bytes[13]! & 0x0f;
  const length = FIXED_PART + bytes.readUInt16BE(14);
  if (length > PROXY_V2_MAX_LENGTH) return invalid(`header of ${length} bytes is longer than ${PROXY_V2_MAX_LENGTH}`);
  if (bytes.length < length) return INCOMPLETE;
  if (command === 0) return { status: 'complete', header: { command: 'local' }, length };

  const body = bytes.subarray(FIXED_PART, length);
  const addressBytes = family === 1 ? 4 : family === 2 ? 16 : 0;
  if (addressBytes === 0) {
    if (family > 3) return invalid(`unknown address family ${family}`);
    return { status: 'complete', header: { command: 'proxy' }, length };
  }
  // SMTP runs over TCP: a proxied datagram flow here means a misconfigured balancer.
  if (transport !== 1) return invalid(`transport ${transport} is not STREAM (TCP)`);
  if (body.length < addressBytes * 2 + 4) return invalid('address block shorter than its family needs');
  const address = (offset: number) => ipaddr.fromByteArray([...body.subarray(offset, offset + addressBytes)]).toString();
  const ports = addressBytes * 2;
  return {
    status: 'complete',
    length,
    header: {
      command: 'proxy',
      source: { address: address(0), port: body.readUInt16BE(ports) },
      destination: { address: address(addressBytes), port: body.readUInt16BE(ports + 2) },
    },
  };
}

/**
 * The same header as a PROXY protocol v1 line (`PROXY TCP4 src dst sport dport\r\n`, or
 * `PROXY UNKNOWN\r\n` when it names no client address): the form smtp-server reads itself.
 * IPv4-mapped IPv6 addresses are written as the IPv4 addresses they are.
 */
export function toProxyV1Line(header: ProxyV2Header): string {
  if (header.command === 'local' || !header.source) return 'PROXY UNKNOWN\r\n';
  const source = plain(header.source.address);
  const destination = plain(header.destination.address);
  const isV4 = (address: string) => ipaddr.parse(address).kind() === 'ipv4';
  if (isV4(source) && isV4(destination)) {
    return `PROXY TCP4 ${source} ${destination} ${header.source.port} ${header.destination.port}\r\n`;
  }
  // A v1 line has one family for both ends: an IPv4 end of a mixed pair is written IPv4-mapped.
  const v6 = (address: string) => (isV4(address) ? `::ffff:${address}` : address);
  return `PROXY TCP6 ${v6(source)} ${v6(destination)} ${header.source.port} ${header.destination.port}\r\n`;
}

/** `::ffff:192.0.2.7` → `192.0.2.7`; other addresses as they are. */
function plain(address: string): string {
  const parsed = ipaddr.parse(address);
  return parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress() ? parsed.toIPv4Address().toString() : parsed.toString();
}
