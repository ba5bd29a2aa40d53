export type { FumiMiddleware, FumiMiddlewareOptions, FumiPlugin, FumiPluginApi } from './fumi-plugin.interface.js';
export { OUTERMOST_PRIORITY, type PluginPriorityOptions, type PluginReplyOptions } from './reply-options.interface.js';
export { allowlist, denylist, ipAccessList, type IpAccessList, type IpAccessListOptions } from './ip-access-list.plugin.js';
export { rcptFilter, senderBlock, type DomainFilter, type DomainFilterOptions } from './domain-filter.plugin.js';
export { maxSize } from './max-size.plugin.js';
export { requireTls } from './require-tls.plugin.js';
export { logger, type SmtpLoggerOptions } from './logger.plugin.js';
