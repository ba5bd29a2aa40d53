/**
 * Options of `FumiRspamdModule.forRoot()`: where rspamd listens and what to do when it cannot answer.
 *
 * @example
 * FumiRspamdModule.forRoot({
 *   url: 'http://rspamd:11333',
 *   timeout: 5_000,
 *   onFailure: 'accept', // a dead rspamd must not stop the mail: accept, tagged as not scanned
 * })
 */
export interface FumiRspamdModuleOptions {
  /** rspamd's normal worker (or proxy), e.g. `'http://127.0.0.1:11333'`; `/checkv2` is added. */
  url: string;
  /**
   * Milliseconds a message may take to be sent to rspamd and answered, counted once it has been
   * received in full. Default 10000.
   */
  timeout?: number;
  /**
   * When rspamd cannot be asked (unreachable, too slow, a garbled answer, the circuit open):
   * `'tempfail'` (default) answers `451 4.7.1` so the client tries again later; `'accept'` lets
   * the message through with a result saying it was not scanned (and an `X-Spam-Status: Unknown` header).
   */
  onFailure?: 'tempfail' | 'accept';
  /**
   * After `failures` failures in a row, rspamd is not asked for `resetAfter` ms (each message
   * takes the `onFailure` path at once); then one message tries, and a success closes the circuit.
   * Default `{ failures: 5, resetAfter: 30000 }`; `false` asks rspamd for every message.
   */
  circuitBreaker?: { failures?: number; resetAfter?: number } | false;
  /** Messages larger than this many bytes are accepted unscanned (rspamd refuses them). Default 50 MiB, rspamd's own limit. */
  maxSize?: number;
}

/** Static options of `forRoot()` and `forRootAsync()`, beside the module's options. */
export interface FumiRspamdModuleExtras {
  /** The FumiModule server whose messages are scanned (`FumiModule.forRoot({ name })`). Default: the default server. */
  server?: string;
  /** Priority of the scan among the `@OnData()` handlers (higher runs earlier). Default 1000. */
  priority?: number;
}
