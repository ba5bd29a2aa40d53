import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, waitUntilReady } from './child-process.js';
import { freePort } from './free-port.js';

/** Debian's authoritative name server (`knot`); CI installs it with apt. */
export const KNOTD_BINARY = process.env.KNOTD_BINARY ?? '/usr/sbin/knotd';

export interface TestDnsServer {
  /** `127.0.0.1:port`, as `dns.servers` takes it. */
  readonly server: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A TXT value as zone-file strings of at most 255 bytes each (DKIM keys are longer). */
export function txt(value: string): string {
  const parts = value.match(/.{1,255}/g) ?? [''];
  return parts.map((part) => `"${part.replace(/(["\\])/g, '\\$1')}"`).join(' ');
}

/**
 * A private knotd serving one zone from `records` (zone-file lines relative to the zone) on
 * 127.0.0.1, UDP and TCP, from its own temporary directory; `stop()` ends it and removes that.
 * Start it again on the same `port` to bring a stopped name server back.
 */
export async function startDnsServer(zone: string, records: string[], options: { port?: number } = {}): Promise<TestDnsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'fumi-knot-'));
  const lines = [
    `$ORIGIN ${zone}.`,
    '$TTL 60',
    `@ SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
    `@ NS ns.${zone}.`,
    'ns A 127.0.0.1',
    ...records,
  ];
  await writeFile(join(dir, `${zone}.zone`), `${lines.join('\n')}\n`);
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const config = [
      'server:',
      `  rundir: "${dir}"`,
      `  listen: 127.0.0.1@${port}`,
      'log:',
      '  - target: stderr',
      '    any: warning',
      'database:',
      `  storage: "${dir}"`,
      'zone:',
      `  - domain: ${zone}`,
      `    file: "${join(dir, `${zone}.zone`)}"`,
      '    zonefile-sync: -1',
      '    journal-content: none',
    ];
    await writeFile(join(dir, 'knot.conf'), `${config.join('\n')}\n`);
    const knot = startProcess(KNOTD_BINARY, ['-c', join(dir, 'knot.conf')]);
    try {
      await waitUntilReady(knot, () => answers(port, zone));
      const stop = async () => {
        await knot.stop();
        await rm(dir, { recursive: true, force: true });
      };
      return { server: `127.0.0.1:${port}`, port, stop };
    } catch (error) {
      await knot.stop();
      if (attempt < 3 && options.port === undefined && /in use/i.test(knot.output())) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

/** `true` once the server answers for the zone (knot loads zones after it binds). */
async function answers(port: number, zone: string): Promise<boolean> {
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  try {
    await resolver.resolveSoa(zone);
    return true;
  } catch {
    return false;
  }
}

/** A UDP port that takes queries and never answers: a name server that has hung. */
export async function startSilentDnsServer(): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return { server: `127.0.0.1:${port}`, port, stop: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
