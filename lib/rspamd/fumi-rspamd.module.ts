import { Module } from '@nestjs/common';
import { FumiRspamdConfigurableModule } from './fumi-rspamd.module-definition.js';

/**
 * Spam filtering by rspamd for one SMTP server: every message is sent to rspamd's `/checkv2`
 * before the application's `@OnData()` handlers run, and rspamd's action is applied (`reject` →
 * 550, `soft reject` and `greylist` → 451, `add header` and `rewrite subject` → a result the
 * handlers read with `@SpamResult()` or `spamResultOf(ctx)`). Uses Node's HTTP client only.
 *
 * @example
 * \@Module({
 *   imports: [
 *     FumiModule.forRoot({ port: 25 }),
 *     FumiRspamdModule.forRoot({ url: 'http://rspamd:11333' }),
 *   ],
 *   providers: [Inbound],
 * })
 * export class AppModule {}
 */
@Module({})
export class FumiRspamdModule extends FumiRspamdConfigurableModule {}
