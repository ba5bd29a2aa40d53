import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_SERVER_NAME } from './fumi.constants.js';
import type { FumiModuleExtras, FumiModuleOptions } from './options/fumi-module-options.interface.js';

export const {
  ConfigurableModuleClass: FumiConfigurableModule,
  MODULE_OPTIONS_TOKEN: FUMI_MODULE_OPTIONS,
  OPTIONS_TYPE: FUMI_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: FUMI_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<FumiModuleOptions>({ moduleName: 'Fumi' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createFumiOptions')
  .setExtras<Required<FumiModuleExtras>>({ name: DEFAULT_SERVER_NAME }, (definition) => definition)
  .build();
