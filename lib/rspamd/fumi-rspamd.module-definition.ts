import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_SERVER_NAME } from '../fumi.constants.js';
import { DEFAULT_RSPAMD_PRIORITY, FUMI_RSPAMD_OPTIONS } from './fumi-rspamd.constants.js';
import type { FumiRspamdModuleExtras, FumiRspamdModuleOptions } from './fumi-rspamd-options.interface.js';
import { validateFumiRspamdExtras } from './fumi-rspamd-options.validator.js';
import { rspamdHandlerFor } from './rspamd-handler.factory.js';

const DEFAULT_EXTRAS: Required<FumiRspamdModuleExtras> = { server: DEFAULT_SERVER_NAME, priority: DEFAULT_RSPAMD_PRIORITY };

export const {
  ConfigurableModuleClass: FumiRspamdConfigurableModule,
} = new ConfigurableModuleBuilder<FumiRspamdModuleOptions>({ moduleName: 'FumiRspamd', optionsInjectionToken: FUMI_RSPAMD_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createFumiRspamdOptions')
  // Known when the module is declared, so forRootAsync() can register the handler as forRoot() does.
  .setExtras(DEFAULT_EXTRAS, (definition, extras) => {
    validateFumiRspamdExtras(extras);
    return { ...definition, providers: [...(definition.providers ?? []), rspamdHandlerFor(extras.server, extras.priority)] };
  })
  .build();
