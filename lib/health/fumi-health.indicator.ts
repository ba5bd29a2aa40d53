import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { FumiHandlerRegistry } from '../discovery/fumi-handler.registry.js';
import { lookUpFumiServers } from '../server/fumi-server.lookup.js';

/** How one SMTP server is doing, as the health check reports it. */
export interface FumiServerHealth {
  /** Accepting connections (`false` before bootstrap and from the start of shutdown). */
  readonly listening: boolean;
  /** Client connections open now. */
  readonly connections: number;
  /** The server's `maxClients`, when it has one. */
  readonly maxClients?: number;
  /** Listening and below `maxClients`: a new client would be served. */
  readonly ready: boolean;
}

/** Options of `FumiHealthIndicator.isHealthy()`. */
export interface FumiHealthCheckOptions {
  /** Check only these servers (by name). Default: every server of the app. */
  servers?: string[];
}

/**
 * A `@nestjs/terminus` health indicator for the app's SMTP servers: `up` while every server is
 * ready (listening, not shutting down, below `maxClients`), `down` otherwise, with each server's
 * state in the result. Point the load balancer's health check at it: an instance that is
 * shutting down or full stops getting new clients.
 *
 * @example
 * \@Controller('health')
 * export class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly smtp: FumiHealthIndicator) {}
 *
 *   \@Get() \@HealthCheck()
 *   check() {
 *     return this.health.check([() => this.smtp.isHealthy('smtp')]);
 *   }
 * }
 */
@Injectable()
export class FumiHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
    private readonly registry: FumiHandlerRegistry,
  ) {}

  /** `up` when every (selected) server is ready; the result names each server's state under `servers`. */
  isHealthy<const Key extends string>(key: Key, options: FumiHealthCheckOptions = {}): HealthIndicatorResult<Key> {
    const servers: Record<string, FumiServerHealth> = {};
    for (const [name, server] of lookUpFumiServers(this.moduleRef, this.registry, options.servers)) {
      const listening = server.listening;
      const connections = server.connections;
      const maxClients = listening ? server.unwrap().options.maxClients : undefined;
      const ready = listening && (maxClients === undefined || connections < maxClients);
      servers[name] = { listening, connections, ...(maxClients !== undefined ? { maxClients } : {}), ready };
    }
    const indicator = this.indicators.check(key);
    return Object.values(servers).every((s) => s.ready) ? indicator.up({ servers }) : indicator.down({ servers });
  }
}
