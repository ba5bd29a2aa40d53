import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { SmtpTestClient, TestCertificate } from '../../lib/testing/index.js';

/** The name the default test certificate is for. */
export const MAIL_HOST = 'mail.example.test';

/** TLS client options that verify the server against `certificate`, as a careful client would. */
export const verifying = (certificate: TestCertificate, servername = MAIL_HOST): ConnectionOptions => ({
  ca: certificate.cert,
  servername,
  rejectUnauthorized: true,
});

/** SHA-256 fingerprint of the certificate the server presented on this connection. */
export const presented = (client: SmtpTestClient): string | undefined =>
  client.secureSocket?.getPeerCertificate().fingerprint256;

/** A key and a certificate on disk, replaceable the way renewals replace them (write, then rename). */
export class CertificateFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'fumi-tls-'));
  readonly key = join(this.dir, 'privkey.pem');
  readonly cert = join(this.dir, 'fullchain.pem');

  constructor(certificate: TestCertificate) {
    this.write(certificate);
  }

  write(certificate: Pick<TestCertificate, 'key' | 'cert'>): void {
    for (const [path, content] of [
      [this.key, certificate.key],
      [this.cert, certificate.cert],
    ] as const) {
      writeFileSync(`${path}.tmp`, content);
      renameSync(`${path}.tmp`, path);
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `condition` until it holds. */
export async function eventually(condition: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const plainAuth = (user: string, password: string) =>
  `AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`;

export const xoauth2Auth = (user: string, token: string) =>
  `AUTH XOAUTH2 ${Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}`;
