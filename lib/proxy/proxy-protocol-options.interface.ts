/** Which PROXY protocol header versions a server accepts from its load balancers. */
export type ProxyProtocolVersion = 'v1' | 'v2' | 'any';

/**
 * The server sits behind TCP load balancers (HAProxy `send-proxy` / `send-proxy-v2`, AWS NLB,
 * ...) that announce each client's address in a PROXY protocol header: `session.remoteAddress`
 * and `remotePort` are then the real client's, in every phase, in limits, logs and `Received:`.
 *
 * Trust is by the peer's own address: only connections from `trustedProxies` are read for a
 * header, and each of them must start with one (a connection without it is closed). Anyone
 * else connects as a plain client with its own address; a header it sends is not honoured.
 *
 * @example
 * FumiModule.forRoot({ port: 2525, proxyProtocol: { trustedProxies: ['10.0.0.0/24'], version: 'v2' } })
 */
export interface ProxyProtocolOptions {
  /** The load balancers' addresses: IPv4/IPv6 addresses and CIDR ranges. At least one. */
  trustedProxies: string[];
  /**
   * Header versions accepted: `'v1'` (text, HAProxy `send-proxy`), `'v2'` (binary,
   * `send-proxy-v2`) or `'any'`. Default `'any'`.
   */
  version?: ProxyProtocolVersion;
}
