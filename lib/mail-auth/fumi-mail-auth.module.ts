import { type DynamicModule, Module } from '@nestjs/common';
import {
  FUMI_MAIL_AUTH_ASYNC_OPTIONS_TYPE,
  FUMI_MAIL_AUTH_OPTIONS_TYPE,
  FumiMailAuthConfigurableModule,
  type FumiMailAuthExtras,
} from './fumi-mail-auth.module-definition.js';
import { validateMailAuthExtras } from './options/mail-auth-options.validator.js';
import { mailAuthHandlersFor } from './mail-auth.handlers.js';
import { MailAuthService } from './mail-auth.service.js';

/**
 * Inbound mail authentication for one FumiModule server (needs the `mailauth` peer dependency
 * and Node.js >= 22.19): DNS blocklists at connect, SPF at MAIL FROM, greylisting at RCPT TO,
 * DKIM, ARC and DMARC once the message is in, each refusing or recording as its options say.
 * Handlers read the results with `@AuthResults()` or `mailAuthResultsOf(ctx)`.
 *
 * @example
 * imports: [
 *   FumiModule.forRoot({ port: 25 }),
 *   FumiMailAuthModule.forRoot({ dnsbl: { zones: ['zen.spamhaus.org'] }, greylist: true }),
 * ]
 */
@Module({})
export class FumiMailAuthModule extends FumiMailAuthConfigurableModule {
  static forRoot(options: typeof FUMI_MAIL_AUTH_OPTIONS_TYPE): DynamicModule {
    return withHandlers(super.forRoot(options), options);
  }

  static forRootAsync(options: typeof FUMI_MAIL_AUTH_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withHandlers(super.forRootAsync(options), options);
  }
}

function withHandlers(definition: DynamicModule, extras: FumiMailAuthExtras): DynamicModule {
  validateMailAuthExtras(extras);
  const handlers = mailAuthHandlersFor(extras.server, extras.priority ?? 1000, extras.greylistPriority ?? -1000);
  return {
    ...definition,
    providers: [...(definition.providers ?? []), MailAuthService, handlers],
    exports: [...(definition.exports ?? []), MailAuthService],
  };
}
