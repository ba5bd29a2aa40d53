import { type DynamicModule, Module } from '@nestjs/common';
import { FumiMailAuthModule, type FumiMailAuthModuleOptions } from '../../lib/mail-auth/index.js';
import { FumiRspamdModule } from '../../lib/rspamd/index.js';
import type { FilteringConfig } from '../sample.config.js';

/** What mail authentication checks, from the environment: only what was asked for. */
export function mailAuthOptions(config: FilteringConfig): FumiMailAuthModuleOptions | undefined {
  if (!config.dnsServers && !config.dnsblZones.length && !config.greylist) return undefined;
  return {
    ...(config.dnsServers ? { dns: { servers: config.dnsServers } } : { spf: false, dmarc: false }),
    ...(config.dnsblZones.length ? { dnsbl: { zones: config.dnsblZones } } : {}),
    ...(config.greylist ? { greylist: true } : {}),
  };
}

/**
 * Mail authentication (`DNS_SERVERS`, `DNSBL_ZONES`, `GREYLIST`) and rspamd (`RSPAMD_URL`), each
 * imported only when configured, so a sample run without them asks no DNS and no filter.
 */
@Module({})
export class MailFilteringModule {
  static forConfig(config: FilteringConfig): DynamicModule {
    const auth = mailAuthOptions(config);
    return {
      module: MailFilteringModule,
      imports: [
        ...(auth ? [FumiMailAuthModule.forRoot(auth)] : []),
        // a dead rspamd must not stop the inbox: its messages are kept, marked as not scanned
        ...(config.rspamdUrl ? [FumiRspamdModule.forRoot({ url: config.rspamdUrl, onFailure: 'accept' })] : []),
      ],
    };
  }
}
