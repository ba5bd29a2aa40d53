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

/**
 * Something the SMTP servers hand accepted mail to, whose outage means mail cannot be taken:
 * `FumiQueue` (its Redis) is one. `isReady()` answers within a bounded time.
 */
export interface FumiDependency {
  /** Its name in the health result. */
  readonly dependencyName: string;
  isReady(): Promise<boolean>;
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

  /**
   * `up` when every dependency is ready, `down` (so the load balancer moves clients elsewhere)
   * while one is not, e.g. the queue's Redis is unreachable; each one's state under `dependencies`.
   *
   * @example
   * this.health.check([() => this.smtp.isHealthy('smtp'), () => this.smtp.areDependenciesHealthy('delivery', [this.queue])]);
   */
  async areDependenciesHealthy<const Key extends string>(key: Key, dependencies: readonly FumiDependency[]): Promise<HealthIndicatorResult<Key>> {
    const states = await Promise.all(dependencies.map(async (d) => [d.dependencyName, { ready: await d.isReady() }] as const));
    const result = { dependencies: Object.fromEntries(states) };
    const indicator = this.indicators.check(key);
    return states.every(([, state]) => state.ready) ? indicator.up(result) : indicator.down(result);
  }
}
