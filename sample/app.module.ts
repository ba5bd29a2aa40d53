import { Module } from '@nestjs/common';
import { FumiModule } from '../lib/index.js';
import { ConfigModule } from './config.module.js';
import { InboxModule } from './inbox/inbox.module.js';
import { LiveModule } from './live/live.module.js';
import { MailHandlers } from './mail.handlers.js';
import { MaildirStore } from './maildir.store.js';
import { SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';
import { tlsOptions } from './tls-options.js';
import { WebModule } from './web/web.module.js';
import { OpsModule } from './ops/ops.module.js';
import { DeliveryModule } from './delivery/delivery.module.js';

/** The name the sample greets with and writes in Received: headers. */
const SAMPLE_HOSTNAME = 'mx.example.test';

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
    InboxModule,
    LiveModule,
    WebModule,
    OpsModule,
    DeliveryModule,
  ],
  providers: [MaildirStore, MailHandlers],
})
export class AppModule {}
