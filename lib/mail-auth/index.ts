/**
 * `nestjs-fumi/mail-auth`: SPF, DKIM, ARC, DMARC, DNS blocklists and greylisting for inbound
 * mail (needs the `mailauth` peer dependency and Node.js >= 22.19, checked first).
 */
import './node-version.check.js';

export { FumiMailAuthModule } from './fumi-mail-auth.module.js';
export { FUMI_MAIL_AUTH_OPTIONS, type FumiMailAuthExtras } from './fumi-mail-auth.module-definition.js';
export { MailAuthService } from './mail-auth.service.js';
export { FumiMailAuthOptionsError } from './fumi-mail-auth-options.error.js';
export { AuthResults } from './decorators/auth-results.decorator.js';
export { mailAuthResultsOf } from './results/mail-auth-results.of.js';
export { MAIL_AUTH_NODE_FLOOR } from './node-version.check.js';
export type {
  FumiMailAuthModuleOptions,
  MailAuthAction,
  MailAuthDmarcOptions,
  MailAuthDnsblOptions,
  MailAuthDnsOptions,
  MailAuthGreylistOptions,
  MailAuthSpfOptions,
} from './options/mail-auth-options.interface.js';
export type {
  ArcVerdict,
  AuthResultKeyword,
  DkimVerdict,
  DmarcPolicy,
  DmarcVerdict,
  DnsblListing,
  MailAuthResults,
  SpfVerdict,
} from './results/mail-auth-results.interface.js';
