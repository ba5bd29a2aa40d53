import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { MailFilteringModule } from './filtering/mail-filtering.module.js';
import { loadSampleConfig, SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';
import { readHtpasswd } from './web/htpasswd.js';
import { inboxLogin } from './web/inbox-login.js';
import { isLoopback, loopbackHostOnly } from './web/loopback-host.js';
import { securityHeaders } from './web/security-headers.js';

/**
 * The sample as one Nest HTTP app (express) that also runs the SMTP server: the web inbox and
 * live view on `HTTP_PORT`, mail on `SMTP_PORT`. `main.ts` and the end-to-end tests both start
 * it from here, so the tests run what `npm start` runs.
 */
export async function createSampleApp(options: NestApplicationOptions = {}): Promise<INestApplication> {
  // Checked before anything starts: an inbox anyone on the network can read must not come up.
  const { httpHost, inboxAuthFile, filtering } = loadSampleConfig();
  const users = inboxAuthFile ? readHtpasswd(inboxAuthFile) : undefined;
  if (!users && !isLoopback(httpHost)) {
    throw new Error(
      `HTTP_HOST=${httpHost} lets other machines read the inbox: set INBOX_AUTH_FILE to an htpasswd file ` +
        `of bcrypt hashes (htpasswd -B -c <file> <user>), or keep HTTP_HOST on a loopback address`,
    );
  }
  // Event streams end on shutdown, but their keep-alive sockets would then hold the HTTP server
  // open for its keep-alive timeout: close them. By then the SMTP server has drained.
  // mail authentication and rspamd are imported only when configured
  const root = { module: AppModule, imports: [MailFilteringModule.forConfig(filtering)] };
  const app = await NestFactory.create(root, { forceCloseConnections: true, ...options });
  app.use(securityHeaders);
  // On loopback the inbox is safe only if other sites cannot reach it by DNS rebinding.
  if (isLoopback(app.get<SampleConfig>(SAMPLE_CONFIG).httpHost)) app.use(loopbackHostOnly);
  if (users) app.use(inboxLogin(users));
  return app;
}

/** Listens on the configured HTTP address; the SMTP server starts listening with it (bootstrap). */
export async function listenSampleApp(app: INestApplication): Promise<void> {
  const { httpPort, httpHost } = app.get<SampleConfig>(SAMPLE_CONFIG);
  await app.listen(httpPort, httpHost);
}
