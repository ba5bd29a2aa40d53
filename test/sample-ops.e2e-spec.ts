import { Queue } from 'bullmq';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readQueuedMessage, type QueuedMessage } from '../lib/queue/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startRedis, type TestRedis } from './support/redis-server.js';
import { startSampleWeb, type RunningSample } from './support/sample-web.js';
import { waitFor } from './support/wait-for.js';

describe('sample: health, metrics and the queue switch', () => {
  let sample: RunningSample | undefined;
  afterEach(async () => {
    await sample?.close();
    sample = undefined;
  });

  it('answers /health for the load balancer and /metrics for Prometheus', async () => {
    sample = await startSampleWeb();
    const health = await fetch(`${sample.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', info: { smtp: { status: 'up' } } });

    const client = await SmtpTestClient.connect(sample.smtpPort);
    await client.sendMail({ from: 'a@elsewhere.test', to: 'bob@example.test', body: 'Subject: m\r\n\r\nmetered\r\n' });
    await client.send('RCPT TO:<x@y.test>'); // out of sequence: a refusal to count
    await client.quit();

    const metrics = await fetch(`${sample.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/fumi_commands_total\{[^}]*phase="data"[^}]*code="250"[^}]*\} 1/);
    expect(text).toMatch(/fumi_message_size_bytes_count\{[^}]*\} 1/);
  });

  describe('with QUEUE_REDIS_URL', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('hands each accepted message to the queue instead of Maildir, before the 250', async () => {
      const queueName = `sample-${Date.now()}`;
      sample = await startSampleWeb({ QUEUE_REDIS_URL: `redis://127.0.0.1:${redis.port}`, QUEUE_NAME: queueName });
      const client = await SmtpTestClient.connect(sample.smtpPort);
      const body = 'Subject: queued\r\n\r\nto the workers\r\n';
      expect((await client.sendMail({ from: 'a@elsewhere.test', to: 'bob@example.test', body })).data?.code).toBe(250);
      await client.quit();

      const queue = new Queue<QueuedMessage>(queueName, { connection: { host: '127.0.0.1', port: redis.port } });
      try {
        await waitFor(async () => (await queue.getJobCounts('waiting')).waiting === 1);
        const [job] = await queue.getJobs(['waiting']);
        expect(job!.data).toMatchObject({
          envelope: { mailFrom: 'a@elsewhere.test', rcptTo: ['bob@example.test'] },
          metadata: { mailboxes: 'bob@example.test' },
        });
        expect((await readQueuedMessage(job!.data)).toString()).toMatch(/^Received: from .*\r\n\r\nto the workers\r\n$/s);
      } finally {
        await queue.close();
      }
      expect(await readdir(join(sample.maildir, 'bob@example.test', 'new')).catch(() => [])).toEqual([]);
    });
  });
});
