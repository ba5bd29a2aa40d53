import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { FumiCoreModule } from './fumi-core.module.js';
import { FumiEvents } from './server/fumi-events.js';
import { FumiHandlerRegistry } from './discovery/fumi-handler.registry.js';
import {
  FUMI_ASYNC_OPTIONS_TYPE,
  FUMI_MODULE_OPTIONS,
  FUMI_OPTIONS_TYPE,
  FumiConfigurableModule,
} from './fumi.module-definition.js';
import { FumiServer } from './server/fumi.server.js';
import { getFumiServerToken } from './server/fumi-server.token.js';
import type { FumiModuleOptions } from './options/fumi-module-options.interface.js';
import { DEFAULT_SERVER_NAME } from './fumi.constants.js';

/**
 * Runs an SMTP server whose phases are handled by `@OnConnect()`, `@OnMailFrom()`, ... methods
 * of your providers. Import it once per server; it is global, so handlers may live in any module.
 *
 * @example
 * \@Module({ imports: [FumiModule.forRoot({ port: 2525 })], providers: [InboxHandler] })
 * export class AppModule {}
 *
 * @example Two servers
 * FumiModule.forRoot({ name: 'mx', port: 25 }),
 * FumiModule.forRootAsync({ name: 'submission', inject: [ConfigService], useFactory: (c) => c.get('smtp') })
 */
@Module({ imports: [FumiCoreModule] })
export class FumiModule extends FumiConfigurableModule {
  static override forRoot(options: typeof FUMI_OPTIONS_TYPE = {}): DynamicModule {
    return withServer(super.forRoot(options), options.name);
  }

  static override forRootAsync(options: typeof FUMI_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withServer(super.forRootAsync(options), options.name);
  }
}

function withServer(definition: DynamicModule, name: string = DEFAULT_SERVER_NAME): DynamicModule {
  const server: Provider = {
    provide: getFumiServerToken(name),
    useFactory: (options: FumiModuleOptions, registry: FumiHandlerRegistry, events: FumiEvents) =>
      new FumiServer(name, options, registry, events),
    inject: [FUMI_MODULE_OPTIONS, FumiHandlerRegistry, FumiEvents],
  };
  return {
    ...definition,
    global: true,
    providers: [...(definition.providers ?? []), server],
    exports: [server.provide],
  };
}
