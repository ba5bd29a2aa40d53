import type { ModuleRef } from '@nestjs/core';
import type { FumiHandlerRegistry } from '../discovery/fumi-handler.registry.js';
import { FumiBootstrapError } from '../errors/fumi-bootstrap.error.js';
import { getFumiServerToken } from './fumi-server.token.js';
import type { FumiServer } from './fumi.server.js';

/**
 * The app's SMTP servers by name (all of them, or those named), for integrations that watch
 * every server, such as health checks and metrics. A name no `FumiModule.forRoot()` declared is
 * an error: a check that silently watched nothing would always pass.
 */
export function lookUpFumiServers(moduleRef: ModuleRef, registry: FumiHandlerRegistry, names?: readonly string[]): Map<string, FumiServer> {
  const declared = registry.serverNames;
  const servers = new Map<string, FumiServer>();
  for (const name of names ?? declared) {
    if (!declared.includes(name)) {
      throw new FumiBootstrapError(`no SMTP server is named "${name}" (servers: ${declared.map((n) => `"${n}"`).join(', ') || 'none'})`);
    }
    servers.set(name, moduleRef.get<FumiServer>(getFumiServerToken(name), { strict: false }));
  }
  return servers;
}
