import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { FumiMailAuthModuleOptions } from './options/mail-auth-options.interface.js';

/** Set in `forRoot()`/`forRootAsync()` beside the options, since handlers are bound before any factory runs. */
export interface FumiMailAuthExtras {
  /** The FumiModule server checked, as named in its `forRoot({ name })` (default: the default server). */
  server?: string;
  /** Priority of the checks in each phase's chain (default 1000: before the app's own handlers). */
  priority?: number;
  /**
   * Priority of greylisting at RCPT TO (default -1000: after the app's own recipient checks, so
   * an unknown recipient gets its 550 at once, not a 451 first).
   */
  greylistPriority?: number;
}

export const {
  ConfigurableModuleClass: FumiMailAuthConfigurableModule,
  MODULE_OPTIONS_TOKEN: FUMI_MAIL_AUTH_OPTIONS,
  OPTIONS_TYPE: FUMI_MAIL_AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: FUMI_MAIL_AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<FumiMailAuthModuleOptions>({ moduleName: 'FumiMailAuth' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createFumiMailAuthOptions')
  .setExtras<FumiMailAuthExtras>({ server: undefined, priority: 1000, greylistPriority: -1000 }, (definition) => definition)
  .build();
