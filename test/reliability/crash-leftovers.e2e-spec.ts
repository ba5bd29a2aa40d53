import { Queue } from 'bullmq';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FumiQueue } from '../../lib/queue/index.js';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { startProcess, waitUntilReady } from '../support/child-process.js';
import { compileFixture } from '../support/compile-fixture.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const AREA = 'nestjs-fumi-spool';
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
/** Files as a crash leaves them: last written `minutes` ago. */
async function leftover(path: string, minutes: number, content = 'x'): Promise<void> {
  await writeFile(path, content);
  await utimes(path, minutesAgo(minutes), minutesAgo(minutes));
}

describe('reliability: what a crash leaves in the spool directories is swept at start', () => {
  let dir: string;
  const apps: RunningApp[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fumi-leftovers-'));
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('removes the spool files of a server killed in the middle of a body, and nothing else', async () => {
    await writeFile(join(dir, 'other-app.tmp'), 'not ours');
    await mkdir(join(dir, 'someone-else'));
    await writeFile(join(dir, 'someone-else', 'file.eml'), 'not ours');

    const entry = await compileFixture('test/fixtures/spool-instance.ts');
    const instance = startProcess(process.execPath, [entry], { env: { ...process.env, SPOOL_DIRECTORY: dir } });
    try {
      await waitUntilReady(instance, () => /listening \d+/.test(instance.output()), 20_000);
      const client = await SmtpTestClient.connect(Number(/listening (\d+)/.exec(instance.output())![1]));
      await client.ehlo();
      await client.send('MAIL FROM:<a@ok.test>');
      await client.send('RCPT TO:<b@ok.test>');
      expect((await client.send('DATA')).code).toBe(354);
      client.write(`Subject: cut short\r\n\r\n${'z'.repeat(998)}\r\n`.repeat(200));
      const [dead] = await (async () => {
        await waitFor(async () => (await readdir(join(dir, AREA)).catch(() => [])).length === 1);
        return readdir(join(dir, AREA));
      })();
      await waitFor(async () => (await readdir(join(dir, AREA, dead!))).some((f) => f.endsWith('.eml')));
      instance.child.kill('SIGKILL');
      await instance.exited;
      client.destroy();

      // the dead server's folder stays until its mark is old: as it is 30 s later
      await utimes(join(dir, AREA, dead!, 'alive'), minutesAgo(1), minutesAgo(1));
      const restarted = await startApp({}, { spoolDirectory: dir });
      apps.push(restarted);
      const folders = await readdir(join(dir, AREA));
      expect(folders).toHaveLength(1);
      expect(folders).not.toContain(dead);
      expect((await readdir(dir)).sort()).toEqual([AREA, 'other-app.tmp', 'someone-else']);
      expect(await readdir(join(dir, 'someone-else'))).toEqual(['file.eml']);
    } finally {
      await instance.stop();
    }
  }, 60_000);

  it("leaves a running server's folder alone, and removes its own on shutdown", async () => {
    const first = await startApp({}, { spoolDirectory: dir });
    apps.push(first);
    const [firstFolder] = await readdir(join(dir, AREA));
    const second = await startApp({}, { spoolDirectory: dir });
    expect((await readdir(join(dir, AREA))).sort()).toHaveLength(2);
    await second.close();
    expect(await readdir(join(dir, AREA))).toEqual([firstFolder]);
  });

  it('removes spool files of earlier releases once no session could still be writing them', async () => {
    await leftover(join(dir, 'nestjs-fumi-4242-0123456789abcdef.eml'), 120);
    await leftover(join(dir, 'nestjs-fumi-4243-0123456789abcdef.eml'), 1);
    apps.push(await startApp({}, { spoolDirectory: dir }));
    expect((await readdir(dir)).sort()).toEqual(['nestjs-fumi-4243-0123456789abcdef.eml', AREA]);
  });

  describe('the queue', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis.stop());

    it('removes bodies no instance is writing and no job references, and nothing else', async () => {
      const queueName = `sweep-${Date.now()}`;
      const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
      const jobs = new Queue(queueName, { connection });
      await jobs.add('message', {}, { jobId: 'queued' });
      await leftover(join(dir, 'crashed.eml.part'), 10);
      await leftover(join(dir, 'orphan.eml'), 10);
      await leftover(join(dir, 'queued.eml'), 10);
      await leftover(join(dir, 'writing.eml.part'), 0);
      await leftover(join(dir, 'notes.txt'), 10);

      const queue = new FumiQueue({ connection, queueName, spoolDirectory: dir });
      try {
        await queue.onModuleInit();
        expect(await queue.swept).toBe(2);
        expect((await readdir(dir)).sort()).toEqual(['notes.txt', 'queued.eml', 'writing.eml.part']);
      } finally {
        await queue.onApplicationShutdown();
        await jobs.close();
      }
    });
  });
});
