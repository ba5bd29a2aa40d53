import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { FumiOptionsError } from '../errors/fumi-options.error.js';
import type { FumiModuleOptions } from '../options/fumi-module-options.interface.js';
import { MESSAGES } from '../fumi.messages.js';
import { readPemOrPath } from './pem-or-path.js';

/**
 * The certificate options of one server, as `forRoot()` and `reloadCertificates()` take them.
 * `key`, `cert`, `ca` and `pfx` (also inside each `sniOptions` entry) are PEM text, a file path
 * or a Buffer: see `isFilePath()` for how a path is recognised.
 */
export type FumiCertificateOptions = Pick<FumiModuleOptions, 'key' | 'cert' | 'ca' | 'pfx' | 'passphrase' | 'sniOptions'>;

/** The option keys that make up `FumiCertificateOptions`. */
export const CERTIFICATE_OPTION_KEYS = ['key', 'cert', 'ca', 'pfx', 'passphrase', 'sniOptions'] as const;

/** Per-hostname TLS options, as smtp-server takes them. */
type SniEntries = Map<string, SecureContextOptions>;

/** Certificates read and checked, ready for smtp-server. */
export interface LoadedCertificates {
  /** The options with every file path replaced by the file's content. */
  readonly options: SecureContextOptions & { sniOptions?: SniEntries };
  /** Absolute paths of the files that were read, with their stamps (`fileStamp()`): what a watcher watches. */
  readonly files: ReadonlyMap<string, string>;
  /** A certificate of the user's is configured (else STARTTLS stays off). */
  readonly configured: boolean;
}

/** The fields of a TLS options object that hold certificate material. */
const MATERIAL_KEYS = ['key', 'cert', 'ca', 'pfx'] as const;

/**
 * Reads every certificate option (files included) and checks that each key parses, each
 * certificate parses and each key belongs to its certificate, so that a typo or a half-written
 * renewal fails here, naming the option, instead of at the first client's handshake. Throws
 * `FumiOptionsError`; reads synchronously (startup, or a reload that must be all-or-nothing).
 */
export function loadCertificates(config: FumiCertificateOptions, server: string): LoadedCertificates {
  const files = new Map<string, string>();
  const options = readEntry(config, '', files, server);
  if (config.passphrase !== undefined) options.passphrase = config.passphrase;
  const configured = options.key !== undefined || options.cert !== undefined || options.pfx !== undefined;
  if (configured) checkEntry(options, '', server);
  else if (options.ca !== undefined) checkCa(options, '', server);

  if (config.sniOptions !== undefined) {
    if (!configured) throw new FumiOptionsError('sniOptions', MESSAGES.sniWithoutDefault(), server);
    const entries: SniEntries = new Map();
    for (const [hostname, entry] of sniEntries(config.sniOptions, server)) {
      const label = `sniOptions["${hostname}"].`;
      if (typeof entry !== 'object' || entry === null) {
        throw new FumiOptionsError(label.slice(0, -1), 'must be an object of TLS options ({ key, cert })', server);
      }
      // Other TLS options of the entry (ciphers, minVersion...) pass through untouched.
      const resolved: SecureContextOptions = { ...entry, ...readEntry(entry, label, files, server) };
      checkEntry(resolved, label, server);
      entries.set(hostname, resolved);
    }
    options.sniOptions = entries;
  }
  return { options, files, configured };
}

function sniEntries(value: unknown, server: string): [string, unknown][] {
  const entries =
    value instanceof Map
      ? [...(value as Map<unknown, unknown>).entries()]
      : typeof value === 'object' && value !== null
        ? Object.entries(value)
        : undefined;
  if (!entries) throw new FumiOptionsError('sniOptions', `must be an object or a Map of hostname → { key, cert }, got ${String(value)}`, server);
  for (const [hostname] of entries) {
    if (typeof hostname !== 'string' || hostname.trim() === '') {
      throw new FumiOptionsError('sniOptions', `has a hostname that is not a non-empty string: ${String(hostname)}`, server);
    }
  }
  return entries as [string, unknown][];
}

/** Reads the material fields of one options object (the top level or an SNI entry). */
function readEntry(
  entry: SecureContextOptions,
  label: string,
  files: Map<string, string>,
  server: string,
): SecureContextOptions & { sniOptions?: SniEntries } {
  const out: Record<string, unknown> = {};
  for (const key of MATERIAL_KEYS) {
    const value: unknown = entry[key];
    if (value !== undefined) out[key] = readValue(value, `${label}${key}`, files, server);
  }
  return out as SecureContextOptions;
}

/** A value is PEM/path/Buffer, or a list of them, or of `{ pem }` / `{ buf }` objects. */
function readValue(value: unknown, option: string, files: Map<string, string>, server: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => {
      const at = `${option}[${i}]`;
      if (typeof item === 'object' && item !== null && !Buffer.isBuffer(item)) {
        if ('pem' in item) return { ...item, pem: readOne(item.pem, `${at}.pem`, files, server) };
        if ('buf' in item) return { ...item, buf: readOne(item.buf, `${at}.buf`, files, server) };
      }
      return readOne(item, at, files, server);
    });
  }
  return readOne(value, option, files, server);
}

function readOne(value: unknown, option: string, files: Map<string, string>, server: string): string | Buffer {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) {
    throw new FumiOptionsError(option, `must be PEM text, a file path or a Buffer, got ${typeof value}`, server);
  }
  try {
    return readPemOrPath(value, files);
  } catch (error) {
    throw new FumiOptionsError(option, MESSAGES.certificateUnreadable(error), server);
  }
}

/** `{ key, cert }` or `{ pfx }`, each usable, the key matching the certificate. */
function checkEntry(entry: SecureContextOptions, label: string, server: string): void {
  const fail = (key: string, problem: string): never => {
    throw new FumiOptionsError(`${label}${key}`, problem, server);
  };
  if (entry.pfx !== undefined) {
    attempt(() => createSecureContext({ pfx: entry.pfx, passphrase: entry.passphrase }), (m) => fail('pfx', MESSAGES.certificateUnusable(m)));
  } else {
    if (entry.key === undefined) fail('key', MESSAGES.certificateHalf('key', 'cert'));
    if (entry.cert === undefined) fail('cert', MESSAGES.certificateHalf('cert', 'key'));
    for (const key of [entry.key].flat()) {
      const pem = typeof key === 'object' && !Buffer.isBuffer(key) ? key : { pem: key as string | Buffer, passphrase: entry.passphrase };
      attempt(
        () => createPrivateKey({ key: pem.pem, passphrase: pem.passphrase ?? entry.passphrase }),
        (m) => fail('key', MESSAGES.certificateUnusable(m)),
      );
    }
    for (const cert of [entry.cert].flat()) {
      attempt(() => new X509Certificate(cert as string | Buffer), (m) => fail('cert', MESSAGES.certificateUnusable(m)));
    }
    attempt(
      () => createSecureContext({ key: entry.key, cert: entry.cert, passphrase: entry.passphrase }),
      (m) => fail('key', MESSAGES.keyMismatch(m)),
    );
  }
  checkCa(entry, label, server);
}

function checkCa(entry: SecureContextOptions, label: string, server: string): void {
  if (entry.ca === undefined) return;
  attempt(
    () => createSecureContext({ ca: entry.ca }),
    (m) => {
      throw new FumiOptionsError(`${label}ca`, MESSAGES.certificateUnusable(m), server);
    },
  );
}

function attempt(action: () => unknown, onError: (message: string) => never): void {
  try {
    action();
  } catch (error) {
    onError(error instanceof Error ? error.message : String(error));
  }
}
