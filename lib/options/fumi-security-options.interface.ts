import type { AuthFailureLimits } from '../auth/auth-failure-limits.interface.js';

/**
 * The module's own TLS and AUTH options (part of `FumiModuleOptions`). Certificates themselves
 * are smtp-server's `key`, `cert`, `ca`, `pfx`, `passphrase` and `sniOptions`, which here also
 * take file paths.
 */
export interface FumiSecurityOptions {
  /**
   * Refuse MAIL FROM with `530 5.7.0 Must issue a STARTTLS command first` until the connection
   * is encrypted (STARTTLS, or implicit TLS with `secure: true`): for submission servers, where
   * no message may travel in cleartext. Needs a certificate. AUTH needs TLS whatever this says,
   * unless `allowInsecureAuth: true`. Default `false` (an MX must accept cleartext mail).
   */
  requireTLS?: boolean;
  /**
   * Reload the certificates (as `FumiServer.reloadCertificates()` does) whenever one of their
   * files changes, e.g. on renewal. Needs certificate options given as file paths; checks them
   * every `interval` ms (default 5000). Default `false`.
   */
  watchCertificates?: boolean | { interval?: number };
  /**
   * Brute-force defence for AUTH: failed attempts per connection (then `421 4.7.0`) and per
   * client address within a time window (then `454 4.7.0`). On by default (3 per connection,
   * 10 per address per 15 minutes, counted in memory); `false` turns both off.
   */
  authFailureLimits?: AuthFailureLimits | false;
}
