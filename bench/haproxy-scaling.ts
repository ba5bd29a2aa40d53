// Throughput of 1 and 2 SMTP instances behind HAProxy (PROXY protocol v2), against one instance
// reached directly. Bounded: a fixed number of concurrent clients for a fixed time per scenario,
// loopback only; every process it starts is stopped at the end.
//
//   npm run bench:scaling          (compiles with tsc into dist/, then runs dist/bench/haproxy-scaling.js)
//   BENCH_SECONDS=10 BENCH_CLIENTS=40 npm run bench:scaling
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startProcess, waitUntilReady, type RunningProcess } from '../test/support/child-process.js';
import { startHaproxy, type TestHaproxy } from '../test/support/haproxy.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
/** Messages per connection: several, as MTAs do, so the 100 ms greeting delay is not all we measure. */
const MESSAGES_PER_CONNECTION = Number(process.env.BENCH_MESSAGES_PER_CONNECTION ?? 10);
const BODY = `Subject: bench\r\nFrom: <bench@client.test>\r\n\r\n${'lorem ipsum dolor sit amet '.repeat(40)}\r\n`;

interface Result {
  scenario: string;
  instances: number;
  messages: number;
  connections: number;
  seconds: number;
  latencies: number[];
  failures: number;
}

async function startInstance(): Promise<{ port: number; process: RunningProcess }> {
  const instance = startProcess(process.execPath, [join(import.meta.dirname, 'smtp-instance.js')]);
  await waitUntilReady(instance, () => /listening \d+/.test(instance.output()), 20_000);
  return { port: Number(/listening (\d+)/.exec(instance.output())![1]), process: instance };
}

/** CLIENTS loops, each sending messages over connections of MESSAGES_PER_CONNECTION, until the time is up. */
async function load(scenario: string, instances: number, port: number): Promise<Result> {
  const result: Result = { scenario, instances, messages: 0, connections: 0, seconds: 0, latencies: [], failures: 0 };
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      try {
        // not 127.0.0.1: the instances trust that address as their balancer, and want a PROXY header from it
        const smtp = await SmtpTestClient.connect(port, { localAddress: '127.0.0.2' });
        result.connections++;
        await smtp.ehlo('bench.client.test');
        for (let i = 0; i < MESSAGES_PER_CONNECTION && performance.now() < deadline; i++) {
          const sent = performance.now();
          const reply = await smtp.sendMail({ from: 'bench@client.test', to: 'sink@example.test', body: BODY });
          if (reply.data?.code === 250) {
            result.messages++;
            result.latencies.push(performance.now() - sent);
          } else result.failures++;
        }
        await smtp.quit();
      } catch {
        result.failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
};

function table(results: Result[]): string {
  const rows = results.map((r) => [
    r.scenario,
    String(r.instances),
    String(r.messages),
    (r.messages / r.seconds).toFixed(0),
    (r.connections / r.seconds).toFixed(1),
    percentile(r.latencies, 50).toFixed(1),
    percentile(r.latencies, 99).toFixed(1),
    String(r.failures),
  ]);
  const header = ['scenario', 'instances', 'messages', 'msg/s', 'conn/s', 'p50 ms', 'p99 ms', 'failures'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const instances: { port: number; process: RunningProcess }[] = [];
let haproxy: TestHaproxy | undefined;
try {
  instances.push(await startInstance(), await startInstance());
  const results: Result[] = [];
  results.push(await load('direct, no balancer', 1, instances[0]!.port));
  haproxy = await startHaproxy({ backends: [instances[0]!.port], proxy: 'send-proxy-v2' });
  results.push(await load('HAProxy send-proxy-v2', 1, haproxy.port));
  await haproxy.stop();
  haproxy = await startHaproxy({ backends: instances.map((i) => i.port), proxy: 'send-proxy-v2' });
  results.push(await load('HAProxy send-proxy-v2', 2, haproxy.port));
  process.stdout.write(
    `\n${CLIENTS} clients, ${MESSAGES_PER_CONNECTION} messages per connection, ${SECONDS} s per scenario, ` +
      `${Buffer.byteLength(BODY)}-byte messages, ${availableParallelism()} CPU(s), Node ${process.version}\n\n${table(results)}\n`,
  );
} finally {
  await haproxy?.stop();
  await Promise.all(instances.map((i) => i.process.stop()));
}
