import type { ServerVariant } from './ipc-messages.js';
import { runLoad } from './load-child.js';
import type { RunSample } from './run-sample.js';
import { ServerChild } from './server-child.js';
import type { Workload } from './workloads.js';

const MB = 1024 * 1024;

/**
 * One measured run: a fresh server process, its warm-up, then the workload from a fresh load
 * generator process, with the server measuring its own CPU and memory in between.
 */
export async function measureRun(workload: Workload, variant: ServerVariant, profileDir?: string): Promise<RunSample> {
  const server = await ServerChild.start(variant, profileDir);
  try {
    for (const warmup of workload.warmup) await runLoad(server.port, warmup, workload.timeoutMs);
    const baseline = await server.measureStart();
    let idleRss: number | undefined;
    let idleConnections = 0;
    const load = await runLoad(server.port, workload.spec, workload.timeoutMs, async () => {
      const snapshot = await server.snapshot();
      idleRss = snapshot.rssBytes;
      idleConnections = snapshot.openConnections;
    });
    const measured = await server.measureStop();
    const seconds = load.elapsedMs / 1000;
    const perConnection =
      idleRss !== undefined && idleConnections > 0 ? (idleRss - baseline) / 1024 / idleConnections : undefined;
    const missing = workload.spec.kind === 'idle' ? 0 : Math.max(0, load.messages - measured.messagesHandled);
    return {
      workload: workload.name,
      variant,
      throughput: workload.spec.kind === 'idle' ? load.connections / ((load.openMs ?? load.elapsedMs) / 1000) : load.messages / seconds,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      cpuSeconds: measured.cpuSeconds,
      peakRssMb: measured.peakRssBytes / MB,
      rssGrowthMb: (measured.peakRssBytes - measured.baselineRssBytes) / MB,
      ...(perConnection !== undefined ? { kbPerConnection: perConnection } : {}),
      serverCpuShare: measured.cpuSeconds / seconds,
      clientCpuShare: load.clientCpuSeconds / seconds,
      // A message the client saw accepted but the server's handlers did not count is an error too.
      errors: load.errors + missing,
      ...(load.firstError ? { firstError: load.firstError } : missing ? { firstError: `${missing} messages not seen by the handlers` } : {}),
    };
  } finally {
    await server.stop();
  }
}
