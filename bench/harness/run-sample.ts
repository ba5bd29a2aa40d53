import type { ServerVariant } from './ipc-messages.js';
import type { ThreadCpu } from '../servers/thread-cpu.js';

/** What one measured run of one workload against one server gave. */
export interface RunSample {
  readonly workload: string;
  readonly variant: ServerVariant;
  /** Messages a second; for the idle workload, connections opened and greeted a second. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU (user + system) during the measured run. */
  readonly cpuSeconds: number;
  /** The same CPU by kind of thread (Linux only). */
  readonly cpuByThread?: ThreadCpu;
  readonly peakRssMb: number;
  /** Peak minus baseline RSS. */
  readonly rssGrowthMb: number;
  /** Idle workload only: RSS per open idle connection. */
  readonly kbPerConnection?: number;
  /** Server CPU over the run's wall time: near 1, the server (one JS thread) was the bottleneck. */
  readonly serverCpuShare: number;
  /** Load generator CPU over its wall time: below 1 it was not saturated. */
  readonly clientCpuShare: number;
  readonly errors: number;
  readonly firstError?: string;
}
