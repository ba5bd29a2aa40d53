import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FumiServer } from '../../lib/index.js';
import type { RunningBenchServer } from './running-bench-server.js';

/** Boots a Nest application context around a FumiModule app; its server is listening on return. */
export async function startFumiApp(appModule: Type<unknown>): Promise<RunningBenchServer> {
  const app = await NestFactory.createApplicationContext(appModule, { logger: false, abortOnError: false });
  const server = app.get(FumiServer);
  return {
    port: server.address().port,
    connections: () => server.connections,
    close: () => app.close(),
  };
}
