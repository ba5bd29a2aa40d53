import { Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { FumiModule } from '../lib/index.js';
import { MailHandlers } from './mail.handlers.js';
import { MaildirStore } from './maildir.store.js';
import { SAMPLE_CONFIG, loadSampleConfig, type SampleConfig } from './sample.config.js';

@Module({
  providers: [{ provide: SAMPLE_CONFIG, useFactory: () => loadSampleConfig() }],
  exports: [SAMPLE_CONFIG],
})
class ConfigModule {}

@Module({
  imports: [
    ConfigModule,
    FumiModule.forRootAsync({
      imports: [ConfigModule],
      inject: [SAMPLE_CONFIG],
      useFactory: (config: SampleConfig) => ({
        host: config.host,
        port: config.port,
        hostname: 'mx.example.test',
        size: config.maxMessageSize,
        authOptional: true,
        disableReverseLookup: true,
        ...(config.tlsKey && config.tlsCert
          ? { key: readFileSync(config.tlsKey), cert: readFileSync(config.tlsCert) }
          : {}),
      }),
    }),
  ],
  providers: [MaildirStore, MailHandlers],
})
export class AppModule {}
