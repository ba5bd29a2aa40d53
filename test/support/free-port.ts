import { connect, createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for programs that cannot be told to pick
 * one themselves (redis-server, haproxy). Callers retry on the rare clash.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `true` once something accepts connections on 127.0.0.1:`port` (or on a Unix socket `path`). */
export function portAccepts(target: number | { path: string }, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = typeof target === 'number' ? connect({ host, port: target }) : connect(target);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
