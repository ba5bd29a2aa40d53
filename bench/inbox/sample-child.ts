// The sample as `npm start` runs it, in a process of its own so the benchmark can read its RSS;
// it prints "inbox <url>" and "smtp <port>" once it listens (MAILDIR and the ports come from the environment).
import 'reflect-metadata';
import { FumiServer } from '../../lib/index.js';
import { createSampleApp, listenSampleApp } from '../../sample/sample.app.js';

const app = await createSampleApp({ logger: ['warn', 'error'] });
app.enableShutdownHooks();
await listenSampleApp(app);
process.stdout.write(`inbox ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}\nsmtp ${app.get(FumiServer).address().port}\n`);

// BENCH_MEMORY_LOG=1: the process's memory every half second on stderr, to see where it goes.
if (process.env.BENCH_MEMORY_LOG) {
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
    process.stderr.write(`memory rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`);
  }, 500).unref();
}
