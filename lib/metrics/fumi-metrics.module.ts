import { Module } from '@nestjs/common';
import { FumiMetrics } from './fumi-metrics.service.js';
import { FumiMetricsConfigurableModule } from './fumi-metrics.module-definition.js';

/**
 * Prometheus metrics of every SMTP server of the app (needs the `prom-client` peer dependency):
 * connections, commands by phase and reply code, message sizes and handler latency, fed by
 * `FumiEvents`. Serve `FumiMetrics.registry` from a controller of yours.
 *
 * @example
 * imports: [FumiModule.forRoot({ port: 25 }), FumiMetricsModule.forRoot()]
 */
@Module({ providers: [FumiMetrics], exports: [FumiMetrics] })
export class FumiMetricsModule extends FumiMetricsConfigurableModule {}
