import { Logger } from '@nestjs/common';
import type { FumiModuleOptions } from '../lib/index.js';
import { createTestCertificate } from '../lib/testing/index.js';
import type { SampleConfig } from './sample.config.js';

/**
 * The certificate STARTTLS uses: the PEM files in TLS_KEY/TLS_CERT (paths are read, and re-read
 * when they change, so renewals need no restart), or else a throw-away self-signed one for
 * development, said loudly, since no real client would trust it.
 */
export async function tlsOptions(config: SampleConfig, hostname: string): Promise<Partial<FumiModuleOptions>> {
  if (config.tlsKey && config.tlsCert) {
    return { key: config.tlsKey, cert: config.tlsCert, watchCertificates: true };
  }
  new Logger('Sample').warn(
    `TLS_KEY/TLS_CERT not set: STARTTLS uses a self-signed development certificate for ${hostname}. ` +
      'Set them to your real certificate files in production.',
  );
  const { key, cert } = await createTestCertificate({ hostnames: [hostname, 'localhost'], ips: ['127.0.0.1'] });
  return { key, cert };
}
