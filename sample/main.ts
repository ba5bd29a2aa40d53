import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule);
  // SIGINT/SIGTERM run the shutdown hooks: the SMTP server drains before the process exits.
  app.enableShutdownHooks();
}

await bootstrap();
