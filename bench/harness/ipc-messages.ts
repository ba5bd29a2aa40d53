/**
 * What the orchestrator and its two kinds of child (a server under test, a load generator) say
 * to each other over Node's IPC channel. Kept in one file so both ends agree on the shapes.
 */
import type { WorkloadSpec } from '../load/workload-spec.js';
import type { ThreadCpu } from '../servers/thread-cpu.js';

/** The servers under test, plus the trivial sink used to measure the load generator's ceiling. */
export type ServerVariant = 'raw' | 'plain' | 'full' | 'sink';

/** Orchestrator → server child. */
export type ServerCommand =
  /** `profile`: also profile the run's CPU, written at `measure-stop` to `<profile>.<messages>.cpuprofile`. */
  | { type: 'measure-start'; profile?: string }
  | { type: 'snapshot' }
  | { type: 'measure-stop' }
  | { type: 'exit' };

/** Server child → orchestrator. */
export type ServerEvent =
  | { type: 'ready'; port: number }
  | { type: 'measure-started'; baselineRssBytes: number }
  | { type: 'snapshot'; rssBytes: number; openConnections: number }
  | { type: 'measured'; report: ServerMeasurement };

/** What a server child measured of itself between `measure-start` and `measure-stop`. */
export interface ServerMeasurement {
  /** User + system CPU time of the whole server process during the workload. */
  cpuSeconds: number;
  /** The same CPU by kind of thread, where the kernel tells (Linux). */
  cpuByThread?: ThreadCpu;
  /** Resident set size after a forced GC, before the workload started. */
  baselineRssBytes: number;
  /** Highest resident set size during the workload (the kernel's high-water mark, reset at start). */
  peakRssBytes: number;
  /** Messages the server's own handlers saw complete: a check that the load really arrived. */
  messagesHandled: number;
}

/** Orchestrator → load generator child. */
export type LoadCommand =
  | { type: 'run'; port: number; spec: WorkloadSpec; timeoutMs: number }
  | { type: 'proceed' };

/** Load generator child → orchestrator. */
export type LoadEvent = { type: 'holding'; connections: number } | { type: 'result'; result: LoadResult };

/** What one load-generator run measured, from the client's side. */
export interface LoadResult {
  /** Messages that got their final 250. */
  messages: number;
  /** Connections opened (and greeted) during the run. */
  connections: number;
  /** Replies that were not what the script expected, plus socket errors. */
  errors: number;
  /** The first error seen, to show in the report. */
  firstError?: string;
  /** Wall time from the first connect to the last reply. */
  elapsedMs: number;
  /** Transaction latency (MAIL FROM written → 250 after the message), milliseconds. */
  p50Ms: number;
  p99Ms: number;
  /** Time to open and greet every connection (idle workload), milliseconds. */
  openMs?: number;
  /** CPU the load generator itself used, to show it had headroom. */
  clientCpuSeconds: number;
}

/** The server process's argument for `spoolDirectory: false` in the FumiModule variants. */
export const NO_SPOOL_FILE_ARGUMENT = '--no-spool-file';
