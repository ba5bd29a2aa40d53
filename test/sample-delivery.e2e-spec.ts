import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type TestRedis } from './support/redis-server.js';
import { startSampleWeb, type RunningSample } from './support/sample-web.js';
import { waitFor } from './support/wait-for.js';

describe('sample: where accepted mail goes, and whether it can go there', () => {
  let sample: RunningSample | undefined;
  let redis: TestRedis | undefined;
  let spool: string;
  beforeEach(async () => {
    spool = await mkdtemp(join(tmpdir(), 'fumi-delivery-'));
  });
  afterEach(async () => {
    await sample?.close();
    await redis?.stop();
    await rm(spool, { recursive: true, force: true });
    sample = redis = undefined;
  });

  const health = async () => {
    const response = await fetch(`${sample!.url}/health`);
    return { status: response.status, body: (await response.json()) as { details?: Record<string, { status: string }> } };
  };

  it('says at start-up that mail goes to the Maildir', async () => {
    const logs: string[] = [];
    sample = await startSampleWeb({}, { logs });
    expect(logs).toContain(`[Delivery] Accepted mail goes to the Maildir at ${sample.maildir}`);
  });

  it('with the queue: says so at start-up, and is not ready (503) while its Redis is unreachable', async () => {
    redis = await startRedis();
    const logs: string[] = [];
    const env = { QUEUE_REDIS_URL: `redis://127.0.0.1:${redis.port}`, QUEUE_NAME: 'health-test', QUEUE_SPOOL_DIR: spool };
    sample = await startSampleWeb(env, { logs });
    expect(logs).toContain(`[Delivery] Accepted mail goes to the BullMQ queue "health-test" on 127.0.0.1:${redis.port}`);
    expect(await health()).toMatchObject({ status: 200, body: { details: { smtp: { status: 'up' }, delivery: { status: 'up' } } } });

    const port = redis.port;
    await redis.stop();
    redis = undefined;
    await waitFor(async () => (await health()).status === 503, 15_000);
    expect((await health()).body.details).toMatchObject({ smtp: { status: 'up' }, delivery: { status: 'down' } });

    redis = await startRedis({ port });
    await waitFor(async () => (await health()).status === 200, 15_000);
  });
});
