import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { FumiServer } from '../lib/index.js';
import { createSampleApp, listenSampleApp } from './sample.app.js';

async function bootstrap(): Promise<void> {
  const app = await createSampleApp();
  // SIGINT/SIGTERM run the shutdown hooks: the SMTP server drains before the process exits.
  app.enableShutdownHooks();
  await listenSampleApp(app);
  const smtp = app.get(FumiServer).address();
  const web = await app.getUrl();
  new Logger('Sample').log(`SMTP on ${smtp.address}:${smtp.port}; inbox at ${web}/, live sessions at ${web}/live`);
}

await bootstrap();
