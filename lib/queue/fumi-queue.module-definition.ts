import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { FumiQueueModuleOptions } from './fumi-queue-options.interface.js';

export const {
  ConfigurableModuleClass: FumiQueueConfigurableModule,
  MODULE_OPTIONS_TOKEN: FUMI_QUEUE_OPTIONS,
} = new ConfigurableModuleBuilder<FumiQueueModuleOptions>({ moduleName: 'FumiQueue' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createFumiQueueOptions')
  // Like FumiModule, global: @OnData handlers in any module inject FumiQueue.
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
