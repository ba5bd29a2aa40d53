import type { Registry } from 'prom-client';

/**
 * Options of `FumiMetricsModule.forRoot()`.
 *
 * @example
 * FumiMetricsModule.forRoot({ registry: register }) // prom-client's global registry, next to your own metrics
 */
export interface FumiMetricsModuleOptions {
  /** Where the metrics are registered. Default: a registry of their own (`FumiMetrics.registry`). */
  registry?: Registry;
  /** Put in front of every metric name. Default `'fumi_'`. */
  prefix?: string;
  /** Buckets of the handler latency histogram, in seconds. Default 1 ms … 30 s. */
  durationBuckets?: number[];
  /** Buckets of the message size histogram, in bytes. Default 1 KiB … 50 MiB. */
  sizeBuckets?: number[];
  /** Also collect prom-client's default process metrics (CPU, memory, event loop lag) in the registry. Default `false`. */
  collectDefaultMetrics?: boolean;
}
