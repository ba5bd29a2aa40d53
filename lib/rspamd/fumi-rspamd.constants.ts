/** Handlers with a higher priority run earlier: the scan runs before the application's own `@OnData()` handlers. */
export const DEFAULT_RSPAMD_PRIORITY = 1000;

/** Per message, from the request's start to rspamd's last byte: below the server's 30 s handler timeout. */
export const DEFAULT_RSPAMD_TIMEOUT = 10_000;

/** rspamd's own `max_message` default: larger messages are not sent (rspamd would refuse them). */
export const DEFAULT_RSPAMD_MAX_SIZE = 50 * 1024 * 1024;

/** Consecutive failures that open the circuit, and how long it stays open before one message may try again. */
export const DEFAULT_RSPAMD_CIRCUIT_BREAKER = { failures: 5, resetAfter: 30_000 } as const;

/** rspamd's scan endpoint, relative to the `url` option. */
export const RSPAMD_CHECK_PATH = 'checkv2';

/** An answer past this many bytes is not rspamd's: a scan result is a few KiB. */
export const RSPAMD_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** Injection token of the module's options (the value given to `forRoot()` or made by `forRootAsync()`). */
export const FUMI_RSPAMD_OPTIONS = 'FUMI_RSPAMD_MODULE_OPTIONS';
