import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Times a fresh connection's 220 greeting and EHLO reply: what any new client waits for first. */
export function probeGreeting(port: number, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    let greeted = false;
    const timer = setTimeout(() => socket.destroy(new Error(`no EHLO reply within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!greeted && /^220 .*\r\n/m.test(received)) {
        greeted = true;
        received = '';
        socket.write('EHLO probe.test\r\n');
      } else if (greeted && /^250 .*\r\n/m.test(received)) {
        clearTimeout(timer);
        const ms = performance.now() - started;
        socket.end('QUIT\r\n');
        resolve(ms);
      }
    });
  });
}

/** Probes every `everyMs` until stopped; the times of the probes that finished. */
export function startProbing(port: number, everyMs: number): { stop(): Promise<number[]> } {
  const times: number[] = [];
  const running = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const probe = probeGreeting(port).then(
      (ms) => void times.push(ms),
      () => void times.push(Number.POSITIVE_INFINITY),
    );
    running.add(probe);
    void probe.finally(() => running.delete(probe));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(running);
      return times;
    },
  };
}
