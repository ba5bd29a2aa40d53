/** `nestjs-fumi/metrics`: Prometheus metrics of the SMTP servers (needs the `prom-client` peer dependency). */
export { FumiMetricsModule } from './fumi-metrics.module.js';
export { FumiMetrics } from './fumi-metrics.service.js';
export { FUMI_METRICS_OPTIONS } from './fumi-metrics.module-definition.js';
export type { FumiMetricsModuleOptions } from './fumi-metrics-options.interface.js';
export { DEFAULT_DURATION_BUCKETS, DEFAULT_METRICS_PREFIX, DEFAULT_SIZE_BUCKETS } from './fumi-metrics.constants.js';
export { FumiMetricsOptionsError } from './fumi-metrics-options.error.js';
