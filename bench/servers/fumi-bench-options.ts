import type { FumiModuleOptions } from '../../lib/index.js';
import { NO_SPOOL_FILE_ARGUMENT } from '../harness/ipc-messages.js';
import { benchSmtpOptions } from './bench-smtp-options.js';

/**
 * The shared smtp-server options, as FumiModule takes them. The module's own session caps are
 * off: raw smtp-server has none, and a persistent connection of the bench sends more than the
 * default `maxCommands`; the per-client limits are off for the same reason (and loopback is
 * exempt from them anyway).
 */
export const fumiBenchOptions: FumiModuleOptions = {
  ...benchSmtpOptions,
  maxCommands: false,
  maxSessionDuration: false,
  limits: false,
  // `npm run bench -- --no-spool-file`: both handlers read each message once, as it arrives.
  ...(process.argv.includes(NO_SPOOL_FILE_ARGUMENT) ? { spoolDirectory: false } : {}),
};
