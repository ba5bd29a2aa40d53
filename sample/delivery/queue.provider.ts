import type { Provider } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { FumiQueue } from '../../lib/queue/index.js';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample.config.js';

/**
 * The durable queue when `QUEUE_REDIS_URL` is set (messages go to BullMQ instead of Maildir),
 * `null` otherwise. Nest runs the queue's lifecycle hooks either way it is created.
 */
export const QUEUE_PROVIDER: Provider = {
  provide: FumiQueue,
  inject: [SAMPLE_CONFIG],
  useFactory: (config: SampleConfig): FumiQueue | null => {
    if (!config.queueRedisUrl) return null;
    const url = new URL(config.queueRedisUrl);
    mkdirSync(config.queueSpoolDirectory, { recursive: true });
    return new FumiQueue({
      connection: {
        host: url.hostname,
        port: Number(url.port || 6379),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        // BullMQ blocks on Redis; a command must wait for a reconnect rather than fail fast
        maxRetriesPerRequest: null,
      },
      queueName: config.queueName,
      spoolDirectory: config.queueSpoolDirectory,
    });
  },
};
