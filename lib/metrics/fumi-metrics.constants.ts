/** Metric names start with this unless `prefix` says otherwise. */
export const DEFAULT_METRICS_PREFIX = 'fumi_';

/** Handler latency buckets (seconds): 1 ms to the default handler timeout. */
export const DEFAULT_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Message size buckets (bytes): 1 KiB to 50 MiB. */
export const DEFAULT_SIZE_BUCKETS = [1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 10_485_760, 26_214_400, 52_428_800];
