import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, waitUntilReady } from './child-process.js';
import { freePort, portAccepts } from './free-port.js';

/** The Debian package's binary; CI installs it with apt (`haproxy`). */
export const HAPROXY_BINARY = process.env.HAPROXY_BINARY ?? '/usr/sbin/haproxy';

export interface TestHaproxy {
  /** The frontend clients connect to. */
  readonly port: number;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  /** Ports of the SMTP instances behind it, on 127.0.0.1. */
  backends: number[];
  /** `send-proxy` (v1) or `send-proxy-v2`. */
  proxy: 'send-proxy' | 'send-proxy-v2';
  /** Connection limit per backend server (`maxconn`), for benchmarks. Default none. */
  maxconn?: number;
}

/**
 * A TCP load balancer in front of SMTP instances, as in production: round robin, a PROXY
 * header on every connection to a backend. Runs in the foreground (`-db`) from a config in its
 * own temporary directory; `stop()` ends it and removes the directory.
 */
export async function startHaproxy(options: HaproxyOptions): Promise<TestHaproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'fumi-haproxy-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'haproxy.cfg');
    const adminSocket = join(dir, 'admin.sock');
    await writeFile(config, haproxyConfig(port, adminSocket, options));
    const haproxy = startProcess(HAPROXY_BINARY, ['-db', '-f', config]);
    const stop = async () => {
      await haproxy.stop();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      // Its admin socket, not the frontend: a probe there would reach an SMTP instance as a client.
      await waitUntilReady(haproxy, () => portAccepts({ path: adminSocket }));
      return { port, stop };
    } catch (error) {
      await haproxy.stop();
      if (attempt < 3 && /cannot bind|Address already in use/i.test(haproxy.output())) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

function haproxyConfig(port: number, adminSocket: string, { backends, proxy, maxconn }: HaproxyOptions): string {
  const servers = backends.map(
    (backend, index) => `  server smtp${index + 1} 127.0.0.1:${backend} ${proxy}${maxconn ? ` maxconn ${maxconn}` : ''}`,
  );
  return [
    'global',
    '  maxconn 4096',
    `  stats socket ${adminSocket} mode 600`,
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    // SMTP clients may wait minutes for a reply (RFC 5321 §4.5.3.2): the balancer must not cut them first
    '  timeout client 10m',
    '  timeout server 10m',
    'frontend smtp',
    `  bind 127.0.0.1:${port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    ...servers,
    '',
  ].join('\n');
}
