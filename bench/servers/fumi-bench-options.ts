import type { FumiModuleOptions } from '../../lib/index.js';
import { NO_SPOOL_FILE_ARGUMENT } from '../harness/ipc-messages.js';
import { benchSmtpOptions } from './bench-smtp-options.js';

/**
 * The shared smtp-server options, as FumiModule takes them. The caps that would cut the load
 * client are off: a persistent connection of the bench sends more than the default `maxMessages`
 * and lasts as long as the run; the per-client limits are off for the same reason (and loopback is
 * exempt from them anyway).
 */
export const fumiBenchOptions: FumiModuleOptions = {
  ...benchSmtpOptions,
  maxMessages: false,
  maxSessionDuration: false,
  limits: false,
  // `npm run bench -- --no-spool-file`: both handlers read each message once, as it arrives.
  ...(process.argv.includes(NO_SPOOL_FILE_ARGUMENT) ? { spoolDirectory: false } : {}),
};
