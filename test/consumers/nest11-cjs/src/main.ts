import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FumiServer } from 'nestjs-fumi';
import { AppModule } from './app.module';

async function bootstrap() {
  // SMTP only: an application context, no HTTP listener
  const app = await NestFactory.createApplicationContext(AppModule);
  app.enableShutdownHooks();
  const { address, port } = app.get(FumiServer).address();
  new Logger('Bootstrap').log(`Accepting mail on ${address}:${port}`);
}
void bootstrap();
