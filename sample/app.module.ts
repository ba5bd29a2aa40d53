import { Module } from '@nestjs/common';
import { FumiModule } from '../lib/index.js';
import { MailHandlers } from './mail.handlers.js';
import { MaildirStore } from './maildir.store.js';
import { SAMPLE_CONFIG, loadSampleConfig, type SampleConfig } from './sample.config.js';
import { tlsOptions } from './tls-options.js';

/** The name the sample greets with and writes in Received: headers. */
const SAMPLE_HOSTNAME = 'mx.example.test';

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
      useFactory: async (config: SampleConfig) => ({
        host: config.host,
        port: config.port,
        hostname: SAMPLE_HOSTNAME,
        size: config.maxMessageSize,
        // an MX takes mail from anyone for its own domains; AUTH is for relaying (after STARTTLS)
        authOptional: true,
        disableReverseLookup: true,
        ...(await tlsOptions(config, SAMPLE_HOSTNAME)),
      }),
    }),
  ],
  providers: [MaildirStore, MailHandlers],
})
export class AppModule {}
