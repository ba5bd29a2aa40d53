/**
 * Child process entry of the load generator. Waits for one `run` command, drives the server,
 * reports a `LoadResult` and exits. Runs in its own process so that its CPU is not the server's.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { LoadCommand, LoadEvent, LoadResult } from '../harness/ipc-messages.js';
import { runIdleConnections } from './idle-connections.js';
import { LatencyRecorder } from './latency-recorder.js';
import { runPersistentConnections } from './persistent-connections.js';
import { RunOutcome } from './run-outcome.js';
import { runShortConnections } from './short-connections.js';
import { runSmtpSource } from './smtp-source.js';
import type { WorkloadSpec } from './workload-spec.js';

function send(event: LoadEvent): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('the load generator must be started by the orchestrator (IPC)'));
    process.send(event, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

function messagesOf(spec: WorkloadSpec): number {
  switch (spec.kind) {
    case 'short':
      return spec.connections;
    case 'persistent':
      return spec.connections * spec.messagesPerConnection;
    case 'idle':
      return 0;
    case 'smtp-source':
      return spec.messages;
  }
}

async function run(port: number, spec: WorkloadSpec): Promise<LoadResult> {
  const outcome = new RunOutcome();
  const latencies = new LatencyRecorder(Math.max(1, messagesOf(spec)));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let openMs: number | undefined;
  let childCpuSeconds = 0;
  switch (spec.kind) {
    case 'short':
      await runShortConnections(port, spec, outcome, latencies);
      break;
    case 'persistent':
      await runPersistentConnections(port, spec, outcome, latencies);
      break;
    case 'smtp-source':
      childCpuSeconds = (await runSmtpSource(port, spec, outcome)).clientCpuSeconds;
      break;
    case 'idle':
      openMs = await runIdleConnections(port, spec, outcome, async (connections) => {
        await send({ type: 'holding', connections });
        await waitToProceed();
      });
      break;
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    messages: outcome.messages,
    connections: outcome.connections,
    errors: outcome.errors,
    ...(outcome.firstError ? { firstError: outcome.firstError } : {}),
    elapsedMs,
    p50Ms: latencies.percentile(50),
    p99Ms: latencies.percentile(99),
    ...(openMs !== undefined ? { openMs } : {}),
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6 + childCpuSeconds,
  };
}

async function waitToProceed(): Promise<void> {
  for (;;) {
    const [command] = (await once(process, 'message')) as [LoadCommand];
    if (command.type === 'proceed') return;
  }
}

// The orchestrator going away (crash, Ctrl-C) must not leave a load generator running.
process.on('disconnect', () => process.exit(2));

const [command] = (await once(process, 'message')) as [LoadCommand];
if (command.type !== 'run') throw new Error(`expected a run command, got ${command.type}`);
const watchdog = setTimeout(() => {
  console.error(`load generator: no result after ${command.timeoutMs} ms, giving up`);
  process.exit(3);
}, command.timeoutMs);
watchdog.unref();
const result = await run(command.port, command.spec);
await send({ type: 'result', result });
// Sockets of a failed run may still be open: the result is out, nothing else matters.
process.exit(0);
