import 'reflect-metadata';
import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FumiModule, FumiServer, type FumiModuleOptions } from '../../lib/index.js';

export interface RunningApp {
  app: INestApplicationContext;
  server: FumiServer;
  port: number;
  close(): Promise<void>;
}

/** Options every test server shares: a free port, loopback, no DNS. */
export const testServerOptions = (options: FumiModuleOptions = {}): FumiModuleOptions => ({
  port: 0,
  host: '127.0.0.1',
  disableReverseLookup: true,
  ...options,
});

/** Boots an app with one default SMTP server and the given handler providers. */
export async function startApp(
  metadata: ModuleMetadata,
  options: FumiModuleOptions = {},
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    imports: [FumiModule.forRoot(testServerOptions(options)), ...(metadata.imports ?? [])],
  }).compile();
  moduleRef.useLogger(process.env.FUMI_TEST_LOGS ? ['log', 'warn', 'error'] : false);
  await moduleRef.init();
  const server = moduleRef.get(FumiServer);
  return { app: moduleRef, server, port: server.address().port, close: () => moduleRef.close() };
}

/**
 * Boots an app with one default SMTP server and closes it again: for options and handlers that
 * must fail at bootstrap, whose error is what the returned promise rejects with.
 */
export async function bootAndClose(
  options: FumiModuleOptions | Record<string, unknown>,
  providers: unknown[] = [],
  imports: ModuleMetadata['imports'] = [],
): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [FumiModule.forRoot({ ...testServerOptions(), ...options } as FumiModuleOptions), ...imports],
    providers: providers as never[],
  }).compile();
  moduleRef.useLogger(false);
  try {
    await moduleRef.init();
  } finally {
    await moduleRef.close();
  }
}
