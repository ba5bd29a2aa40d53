/**
 * The module's own TLS and AUTH options (part of `FumiModuleOptions`). Certificates themselves
 * are smtp-server's `key`, `cert`, `ca`, `pfx`, `passphrase` and `sniOptions`, which here also
 * take file paths.
 */
export interface FumiSecurityOptions {
  /**
   * Reload the certificates (as `FumiServer.reloadCertificates()` does) whenever one of their
   * files changes, e.g. on renewal. Needs certificate options given as file paths; checks them
   * every `interval` ms (default 5000). Default `false`.
   */
  watchCertificates?: boolean | { interval?: number };
}
