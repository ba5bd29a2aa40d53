import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, waitUntilReady, type RunningProcess } from './child-process.js';
import { freePort, portAccepts } from './free-port.js';

/** The Debian package's binary; CI installs it with apt (`redis-server`). */
export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BINARY ?? '/usr/bin/redis-server';

export interface TestRedis {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * A private redis-server for one test file: loopback, a free port (or `port`, to start one again
 * where a stopped one was), no persistence, its own temporary directory; `stop()` ends it and
 * removes the directory.
 */
export async function startRedis(options: { port?: number } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'fumi-redis-'));
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const redis = startProcess(REDIS_SERVER_BINARY, [
      '--bind', '127.0.0.1', '--port', String(port), '--dir', dir,
      '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning',
    ]);
    try {
      await waitUntilReady(redis, () => portAccepts(port));
      return { host: '127.0.0.1', port, stop: () => stopAndClean(redis, dir) };
    } catch (error) {
      await redis.stop();
      // another program took the port between freePort() and redis binding it: try another
      if (attempt < 3 && options.port === undefined && /Address already in use/.test(redis.output())) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

async function stopAndClean(redis: RunningProcess, dir: string): Promise<void> {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
}
