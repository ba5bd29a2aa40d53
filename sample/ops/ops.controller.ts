import { Controller, Get, Header, Inject, Optional, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { FumiHealthIndicator } from '../../lib/health/index.js';
import { FumiMetrics } from '../../lib/metrics/index.js';
import { FumiQueue } from '../../lib/queue/index.js';

/** What a load balancer and Prometheus ask the instance. */
@Controller()
export class OpsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly smtp: FumiHealthIndicator,
    private readonly metrics: FumiMetrics,
    @Optional() @Inject(FumiQueue) private readonly queue: FumiQueue | null,
  ) {}

  /**
   * 200 while the SMTP server is listening and below maxClients and, with the queue in use, its
   * Redis answers; 503 otherwise (and while shutting down), so the balancer sends clients elsewhere.
   */
  @Get('health')
  @HealthCheck()
  check() {
    const queue = this.queue;
    return this.health.check([
      () => this.smtp.isHealthy('smtp'),
      ...(queue ? [() => this.smtp.areDependenciesHealthy('delivery', [queue])] : []),
    ]);
  }

  /** Prometheus text format: connections, commands by phase and reply code, sizes, handler latency. */
  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: { type(value: string): { send(body: string): void } }): Promise<void> {
    response.type(this.metrics.contentType).send(await this.metrics.metrics());
  }
}
