import type { Logger } from '@nestjs/common';
import type { SMTPServer } from 'smtp-server';
import { FumiOptionsError } from '../errors/fumi-options.error.js';
import { MESSAGES } from '../fumi.messages.js';
import type { FumiModuleOptions } from '../options/fumi-module-options.interface.js';
import {
  CERTIFICATE_OPTION_KEYS,
  loadCertificates,
  type FumiCertificateOptions,
  type LoadedCertificates,
} from './certificate.loader.js';
import { CertificateWatcher } from './certificate.watcher.js';

/**
 * The TLS certificates of one server: read (files included) and checked at startup, swapped
 * into the running smtp-server by `reload()`, optionally on every change of their files.
 *
 * A reload is all-or-nothing: the new certificates are read and checked completely before
 * smtp-server's `updateSecureContext()` sees them, so a half-written renewal never replaces a
 * working certificate. Connections already encrypted keep the session they negotiated; only
 * handshakes after the reload (new connections, STARTTLS) use the new contexts.
 */
export class ServerCertificates {
  private config: FumiCertificateOptions;
  private loaded: LoadedCertificates;
  private watcher?: CertificateWatcher;

  constructor(
    options: FumiModuleOptions,
    /** `watchCertificates`, resolved: how often to check the files, or `false`. */
    private readonly watching: { readonly interval: number } | false,
    private readonly server: string,
    private readonly logger: Logger,
  ) {
    this.config = {};
    for (const key of CERTIFICATE_OPTION_KEYS) {
      if (options[key] !== undefined) (this.config as Record<string, unknown>)[key] = options[key];
    }
    this.loaded = loadCertificates(this.config, server);
    if (watching && this.loaded.files.size === 0) {
      throw new FumiOptionsError('watchCertificates', MESSAGES.watchWithoutFiles(), server);
    }
  }

  /** A certificate of the user's is configured. */
  get configured(): boolean {
    return this.loaded.configured;
  }

  /** The TLS options for the smtp-server constructor: file contents in place of paths. */
  get smtpOptions(): LoadedCertificates['options'] {
    return this.loaded.options;
  }

  /**
   * Re-reads the certificates, with `replacement` fields (when given) in place of the
   * configured ones, and hands them to smtp-server. Throws `FumiOptionsError`, keeping the
   * current certificates, when they cannot be used.
   */
  reload(smtp: SMTPServer, replacement: FumiCertificateOptions = {}): void {
    if (!this.loaded.configured) throw new FumiOptionsError('key', MESSAGES.noCertificateToReload(this.server), this.server);
    const config = { ...this.config };
    for (const key of CERTIFICATE_OPTION_KEYS) {
      if (replacement[key] !== undefined) (config as Record<string, unknown>)[key] = replacement[key];
    }
    const loaded = loadCertificates(config, this.server);
    const previous = this.loaded;
    try {
      smtp.updateSecureContext(loaded.options);
    } catch (error) {
      // updateSecureContext() fills its context map as it goes: put the working one back.
      smtp.updateSecureContext(previous.options);
      throw error;
    }
    this.config = config;
    this.loaded = loaded;
    this.watcher?.watch(loaded.files);
    this.logger.log(MESSAGES.certificatesReloaded(this.server, loaded.files.size));
  }

  /** With `watchCertificates`, reloads whenever a certificate file changes. */
  watch(smtp: SMTPServer): void {
    if (!this.watching) return;
    this.watcher = new CertificateWatcher(this.watching.interval, () => {
      try {
        this.reload(smtp);
      } catch (error) {
        this.logger.warn(MESSAGES.certificateReloadFailed(this.server, error));
      }
    });
    this.watcher.watch(this.loaded.files);
  }

  /** Stops watching the files. */
  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
