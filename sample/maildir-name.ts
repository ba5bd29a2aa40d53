import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';

/** The host part of a Maildir name: characters a file name or a message id could not carry become `_`. */
const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '_');

/**
 * A unique Maildir file name, as the convention has it: `<seconds>.M<microseconds>P<pid>R<random>.<host>`
 * (seconds since the epoch, then the microseconds within that second).
 */
export function maildirName(now = performance.timeOrigin + performance.now()): string {
  const seconds = Math.floor(now / 1000);
  const micros = Math.floor((now - seconds * 1000) * 1000);
  return `${seconds}.M${micros}P${process.pid}R${randomBytes(8).toString('hex')}.${HOST}`;
}
