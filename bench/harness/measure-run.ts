import { join } from 'node:path';
import type { ServerVariant } from './ipc-messages.js';
import { leastSquaresSlope } from './least-squares-slope.js';
import { runLoad } from './load-child.js';
import type { RunSample } from './run-sample.js';
import { ServerChild, type ServerSettings } from './server-child.js';
import type { Workload } from './workloads.js';

const MB = 1024 * 1024;

/**
 * One measured run: a fresh server process, its warm-up, then the workload from a fresh load
 * generator process, with the server measuring its own CPU and memory in between.
 */
export async function measureRun(workload: Workload, variant: ServerVariant, settings?: ServerSettings): Promise<RunSample> {
  const server = await ServerChild.start(variant, settings);
  try {
    for (const warmup of workload.warmup) await runLoad(server.port, warmup, workload.timeoutMs);
    await server.measureStart(settings?.profileDir && join(settings.profileDir, `${workload.name}.${variant}.${Date.now()}`));
    const snapshots: { rssBytes: number; openConnections: number }[] = [];
    const load = await runLoad(server.port, workload.spec, workload.timeoutMs, async () => {
      snapshots.push(await server.snapshot());
    });
    const measured = await server.measureStop();
    const seconds = load.elapsedMs / 1000;
    // What each idle session costs: the slope of RSS against open sessions over the checkpoints.
    const bytesPerConnection = leastSquaresSlope(snapshots.map((s) => [s.openConnections, s.rssBytes]));
    const perConnection = bytesPerConnection === undefined ? undefined : bytesPerConnection / 1024;
    const missing = workload.spec.kind === 'idle' ? 0 : Math.max(0, load.messages - measured.messagesHandled);
    return {
      workload: workload.name,
      variant,
      throughput: workload.spec.kind === 'idle' ? load.connections / ((load.openMs ?? load.elapsedMs) / 1000) : load.messages / seconds,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      cpuSeconds: measured.cpuSeconds,
      ...(measured.cpuByThread ? { cpuByThread: measured.cpuByThread } : {}),
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
