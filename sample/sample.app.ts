import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';
import { isLoopback, loopbackHostOnly } from './web/loopback-host.js';
import { securityHeaders } from './web/security-headers.js';

/**
 * The sample as one Nest HTTP app (express) that also runs the SMTP server: the web inbox and
 * live view on `HTTP_PORT`, mail on `SMTP_PORT`. `main.ts` and the end-to-end tests both start
 * it from here, so the tests run what `npm start` runs.
 */
export async function createSampleApp(options: NestApplicationOptions = {}): Promise<INestApplication> {
  // Event streams end on shutdown, but their keep-alive sockets would then hold the HTTP server
  // open for its keep-alive timeout: close them. By then the SMTP server has drained.
  const app = await NestFactory.create(AppModule, { forceCloseConnections: true, ...options });
  app.use(securityHeaders);
  // The inbox has no login: on loopback (the default) that is safe only if other sites cannot
  // reach it by DNS rebinding. Elsewhere (HTTP_HOST=0.0.0.0) access control is the operator's.
  if (isLoopback(app.get<SampleConfig>(SAMPLE_CONFIG).httpHost)) app.use(loopbackHostOnly);
  return app;
}

/** Listens on the configured HTTP address; the SMTP server starts listening with it (bootstrap). */
export async function listenSampleApp(app: INestApplication): Promise<void> {
  const { httpPort, httpHost } = app.get<SampleConfig>(SAMPLE_CONFIG);
  await app.listen(httpPort, httpHost);
}
