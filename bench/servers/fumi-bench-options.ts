import type { FumiModuleOptions } from '../../lib/index.js';
import { benchSmtpOptions } from './bench-smtp-options.js';

/** The shared smtp-server options, as FumiModule takes them. */
export const fumiBenchOptions: FumiModuleOptions = { ...benchSmtpOptions };
