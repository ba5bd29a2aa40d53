/** What the PROXY protocol support says, in logs and option errors. */
export const PROXY_MESSAGES = {
  notAnObject: (value: unknown) => `must be { trustedProxies, version? } (or false), got ${JSON.stringify(value) ?? String(value)}`,
  trustedProxiesMissing: () =>
    'must list the load balancers allowed to state client addresses (IP addresses or CIDR ranges), at least one: ' +
    'trusting every peer would let any client choose the address it is seen with',
  useProxyAndProxyProtocol: () =>
    'cannot be combined with "proxyProtocol", which reads PROXY v1 and v2 itself (and trusts by CIDR): keep only "proxyProtocol"',
  invalidHeader: (peer: string, reason: string) => `closed a connection from trusted proxy ${peer}: invalid PROXY header (${reason})`,
  versionRefused: (peer: string, got: string, accepted: string) =>
    `closed a connection from trusted proxy ${peer}: PROXY ${got} header, but only ${accepted} is accepted`,
  headerTimeout: (peer: string, ms: number) => `closed a connection from trusted proxy ${peer}: no PROXY header within ${ms} ms`,
} as const;
