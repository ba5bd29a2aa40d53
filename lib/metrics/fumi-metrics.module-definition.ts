import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { FumiMetricsModuleOptions } from './fumi-metrics-options.interface.js';

export const {
  ConfigurableModuleClass: FumiMetricsConfigurableModule,
  MODULE_OPTIONS_TOKEN: FUMI_METRICS_OPTIONS,
} = new ConfigurableModuleBuilder<FumiMetricsModuleOptions>({ moduleName: 'FumiMetrics' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createFumiMetricsOptions')
  .build();
