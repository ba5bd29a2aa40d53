import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileStamp } from './file-stamp.js';

/**
 * The marker every PEM block starts with (`-----BEGIN CERTIFICATE-----`,
 * `-----BEGIN PRIVATE KEY-----`, ...). No file name contains it, and no PEM text lacks it.
 */
const PEM_MARKER = '-----BEGIN ';

/** A certificate-like value as the options take it: PEM text, a file path, or the bytes. */
export type PemOrPath = string | Buffer;

/**
 * How a certificate option's value is read, the one rule for `key`, `cert`, `ca`, `pfx` and the
 * same fields of each `sniOptions` entry:
 *
 * - a `Buffer` is the content itself (PEM, or DER/PKCS#12 bytes for `pfx`);
 * - a string containing `-----BEGIN ` is PEM text;
 * - any other string is a file path, relative to the working directory, read at startup and
 *   again at every reload.
 *
 * So `pfx` given as a string is always a path (PKCS#12 is binary), and a PEM value that was
 * mangled (e.g. its header lost) is reported as a file that does not exist rather than used.
 */
export function isFilePath(value: PemOrPath): value is string {
  return typeof value === 'string' && !value.includes(PEM_MARKER);
}

/**
 * Reads `value` by the rule of `isFilePath()`; records each file it read in `files`, with the
 * file's stamp taken before reading, so that a change during the read is still seen as a change.
 */
export function readPemOrPath(value: PemOrPath, files: Map<string, string>): string | Buffer {
  if (!isFilePath(value)) return value;
  const path = resolve(value);
  const stamp = fileStamp(statSync(path));
  const content = readFileSync(path);
  files.set(path, stamp);
  return content;
}
