import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { FumiEvents, type FumiSessionEvent } from '../server/fumi-events.js';
import { FumiHandlerRegistry } from '../discovery/fumi-handler.registry.js';
import { lookUpFumiServers } from '../server/fumi-server.lookup.js';
import { DEFAULT_DURATION_BUCKETS, DEFAULT_METRICS_PREFIX, DEFAULT_SIZE_BUCKETS } from './fumi-metrics.constants.js';
import { FUMI_METRICS_OPTIONS } from './fumi-metrics.module-definition.js';
import type { FumiMetricsModuleOptions } from './fumi-metrics-options.interface.js';
import { validateFumiMetricsOptions } from './fumi-metrics-options.validator.js';

/**
 * The SMTP servers' Prometheus metrics (names with the default `fumi_` prefix):
 *
 * | metric | type | labels | what |
 * | --- | --- | --- | --- |
 * | `fumi_connections` | gauge | `server` | client connections open now |
 * | `fumi_server_listening` | gauge | `server` | 1 while accepting connections, 0 before start and from shutdown on |
 * | `fumi_connections_total` | counter | `server` | connections that reached the connect phase |
 * | `fumi_commands_total` | counter | `server`, `phase`, `code` | answered phases by reply code (`rcptTo` `550`, `data` `250`, ...) |
 * | `fumi_handler_duration_seconds` | histogram | `server`, `phase` | how long each phase's handlers took |
 * | `fumi_message_size_bytes` | histogram | `server` | sizes of accepted messages |
 *
 * Counters and histograms are fed by `FumiEvents`; gauges are read from the servers at scrape time.
 *
 * @example
 * \@Controller('metrics')
 * export class MetricsController {
 *   constructor(private readonly metrics: FumiMetrics) {}
 *
 *   \@Get()
 *   async scrape(\@Res() res: Response) {
 *     res.type(this.metrics.contentType).send(await this.metrics.metrics());
 *   }
 * }
 */
@Injectable()
export class FumiMetrics implements OnModuleInit, OnModuleDestroy {
  /** The registry holding the metrics: the one given in the options, or one of their own. */
  readonly registry: Registry;
  private readonly names: string[] = [];
  private readonly connectionsTotal: Counter<'server'>;
  private readonly commands: Counter<'server' | 'phase' | 'code'>;
  private readonly duration: Histogram<'server' | 'phase'>;
  private readonly size: Histogram<'server'>;
  private subscription?: Subscription;

  constructor(
    @Inject(FUMI_METRICS_OPTIONS) options: FumiMetricsModuleOptions,
    private readonly events: FumiEvents,
    moduleRef: ModuleRef,
    handlers: FumiHandlerRegistry,
  ) {
    validateFumiMetricsOptions(options);
    this.registry = options.registry ?? new Registry();
    const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
    const name = (suffix: string) => {
      this.names.push(prefix + suffix);
      return prefix + suffix;
    };
    const registers = [this.registry];
    const servers = () => lookUpFumiServers(moduleRef, handlers);

    new Gauge({
      name: name('connections'),
      help: 'SMTP client connections open now',
      labelNames: ['server'],
      registers,
      collect() {
        for (const [server, fumi] of servers()) this.set({ server }, fumi.connections);
      },
    });
    new Gauge({
      name: name('server_listening'),
      help: '1 while the SMTP server accepts connections, 0 before it starts and from shutdown on',
      labelNames: ['server'],
      registers,
      collect() {
        for (const [server, fumi] of servers()) this.set({ server }, fumi.listening ? 1 : 0);
      },
    });
    this.connectionsTotal = new Counter({
      name: name('connections_total'),
      help: 'SMTP connections that reached the connect phase',
      labelNames: ['server'],
      registers,
    });
    this.commands = new Counter({
      name: name('commands_total'),
      help: 'SMTP phases answered, by phase and reply code',
      labelNames: ['server', 'phase', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: name('handler_duration_seconds'),
      help: "Time a phase's handlers took, in seconds",
      labelNames: ['server', 'phase'],
      buckets: options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
      registers,
    });
    this.size = new Histogram({
      name: name('message_size_bytes'),
      help: 'Sizes of accepted messages, in bytes',
      labelNames: ['server'],
      buckets: options.sizeBuckets ?? DEFAULT_SIZE_BUCKETS,
      registers,
    });
    if (options.collectDefaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  onModuleInit(): void {
    this.subscription = this.events.events$.subscribe((event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    // A shared registry outlives this app (tests, hot reload): a new one must be able to register again.
    for (const name of this.names) this.registry.removeSingleMetric(name);
  }

  /** All metrics of the registry in Prometheus' text format, for a `/metrics` endpoint. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The `Content-Type` to serve `metrics()` with. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private record(event: FumiSessionEvent): void {
    if (event.phase === 'close') return;
    const { server, phase } = event;
    if (phase === 'connect') this.connectionsTotal.inc({ server });
    this.commands.inc({ server, phase, code: String(event.code) });
    this.duration.observe({ server, phase }, event.durationMs / 1000);
    if (phase === 'data' && event.ok && event.size !== undefined) this.size.observe({ server }, event.size);
  }
}
