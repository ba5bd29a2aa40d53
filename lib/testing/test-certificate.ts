import { X509Certificate } from 'node:crypto';

/** What `createTestCertificate()` makes the certificate for. */
export interface TestCertificateOptions {
  /** DNS names (subjectAltName; the first is also the common name). Default `['localhost']`. */
  hostnames?: string[];
  /** IP addresses (subjectAltName). Default `['127.0.0.1', '::1']`. */
  ips?: string[];
  /** Days the certificate is valid from now. Default 1. */
  days?: number;
}

/** A self-signed certificate and its private key, both PEM. */
export interface TestCertificate {
  /** The private key (PKCS#8 PEM): the server's `key`. */
  readonly key: string;
  /** The certificate (PEM): the server's `cert`, and the `ca` a verifying client trusts. */
  readonly cert: string;
  /** SHA-256 fingerprint as `getPeerCertificate().fingerprint256` shows it, to tell certificates apart. */
  readonly fingerprint256: string;
}

/**
 * Makes a fresh self-signed certificate (ECDSA P-256, SHA-256), for tests and development
 * servers: unlike smtp-server's built-in certificate, its private key exists only here.
 *
 * Needs the `selfsigned` package (a devDependency of your project).
 *
 * @example
 * const { key, cert } = await createTestCertificate({ hostnames: ['mail.example.test'] });
 * FumiModule.forRoot({ port: 0, key, cert });
 * // a client that verifies: tls.connect({ ca: cert, servername: 'mail.example.test', ... })
 */
export async function createTestCertificate(options: TestCertificateOptions = {}): Promise<TestCertificate> {
  const hostnames = options.hostnames?.length ? options.hostnames : ['localhost'];
  const ips = options.ips ?? ['127.0.0.1', '::1'];
  const notBeforeDate = new Date(Date.now() - 60_000); // a little slack for clock skew
  const notAfterDate = new Date(Date.now() + (options.days ?? 1) * 86_400_000);
  let selfsigned: typeof import('selfsigned');
  try {
    selfsigned = await import('selfsigned');
  } catch {
    throw new Error('createTestCertificate() needs the "selfsigned" package: npm install --save-dev selfsigned');
  }
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostnames[0] }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...hostnames.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert, fingerprint256: new X509Certificate(pems.cert).fingerprint256 };
}
