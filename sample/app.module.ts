import { Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { FumiModule } from '../lib/index.js';
import { ConfigModule } from './config.module.js';
import { InboxModule } from './inbox/inbox.module.js';
import { LiveModule } from './live/live.module.js';
import { MailHandlers } from './mail.handlers.js';
import { MaildirStore } from './maildir.store.js';
import { SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';
import { WebModule } from './web/web.module.js';

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
    InboxModule,
    LiveModule,
    WebModule,
  ],
  providers: [MaildirStore, MailHandlers],
})
export class AppModule {}
