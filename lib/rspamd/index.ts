/** `nestjs-fumi/rspamd`: spam filtering of received messages by rspamd over HTTP (no peer dependency). */
export { FumiRspamdModule } from './fumi-rspamd.module.js';
export type { FumiRspamdModuleExtras, FumiRspamdModuleOptions } from './fumi-rspamd-options.interface.js';
export type {
  RspamdAction,
  RspamdFailureReason,
  RspamdNotScanned,
  RspamdResult,
  RspamdSymbol,
  RspamdVerdict,
} from './rspamd-result.interface.js';
export { SpamResult } from './spam-result.decorator.js';
export { spamResultOf } from './spam-result.store.js';
export {
  DEFAULT_RSPAMD_CIRCUIT_BREAKER,
  DEFAULT_RSPAMD_MAX_SIZE,
  DEFAULT_RSPAMD_PRIORITY,
  DEFAULT_RSPAMD_TIMEOUT,
  FUMI_RSPAMD_OPTIONS,
} from './fumi-rspamd.constants.js';
export { FumiRspamdOptionsError } from './fumi-rspamd-options.error.js';
