import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, Worker } from 'bullmq';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { Ctx, DataContext, OnData, type FumiModuleOptions } from '../lib/index.js';
import {
  discardQueuedMessage,
  FumiQueue,
  FumiQueueModule,
  readQueuedMessage,
  type FumiQueueModuleOptions,
  type QueuedMessage,
  type QueuedMessageReceipt,
} from '../lib/queue/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { startProcess, waitUntilReady } from './support/child-process.js';
import { compileFixture } from './support/compile-fixture.js';
import { startRedis, type TestRedis } from './support/redis-server.js';
import { waitFor } from './support/wait-for.js';

let redis: TestRedis;
let spool: string;
let queues = 0;
/** A queue of its own for each test. */
const newQueueName = () => `fumi-test-${process.pid}-${++queues}`;
const connection = () => ({ host: redis.host, port: redis.port });

beforeAll(async () => {
  redis = await startRedis();
  spool = await mkdtemp(join(tmpdir(), 'fumi-spool-'));
});
afterAll(async () => {
  await redis?.stop();
  await rm(spool, { recursive: true, force: true });
});

const receipts: QueuedMessageReceipt[] = [];

/** Hands every message off, as an application would. */
@Injectable()
class HandOff {
  constructor(private readonly queue: FumiQueue) {}

  @OnData() async handOff(@Ctx() ctx: DataContext) {
    receipts.push(await this.queue.enqueue(ctx, { metadata: { route: 'inbox' } }));
  }
}

/** Ids from content: a message delivered twice (the client retrying) is queued once. */
@Injectable()
class HandOffOnce {
  constructor(private readonly queue: FumiQueue) {}

  @OnData() async handOff(@Ctx() ctx: DataContext) {
    const { messageId } = await ctx.parse();
    const id = createHash('sha256').update(`${messageId}\n${ctx.session.envelope.rcptTo.map((r) => r.address).join(',')}`).digest('hex');
    receipts.push(await this.queue.enqueue(ctx, { messageId: id }));
  }
}

const small = { from: 'alice@client.test', to: ['bob@example.test', 'carol@example.test'], body: 'Subject: small\r\nMessage-ID: <1@client.test>\r\n\r\nhello\r\n' };
const large = { from: 'alice@client.test', to: 'bob@example.test', body: `Subject: large\r\n\r\n${'0123456789abcdef'.repeat(8).concat('\r\n').repeat(100)}` };

describe('FumiQueue: durable hand-off to BullMQ', () => {
  let running: RunningApp | undefined;
  beforeEach(() => (receipts.length = 0));
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const start = async (queueOptions: Partial<FumiQueueModuleOptions> = {}, serverOptions: FumiModuleOptions = {}, handler: new (...args: never[]) => unknown = HandOff) => {
    running = await startApp(
      { imports: [FumiQueueModule.forRoot({ connection: connection(), queueName: newQueueName(), ...queueOptions })], providers: [handler] },
      serverOptions,
    );
    return { port: running.port, queue: running.app.get(FumiQueue).queue };
  };

  it('queues a small message inside its job, with its envelope, and answers 250 once it is queued', async () => {
    const { port, queue } = await start({ spoolDirectory: spool, inlineLimit: 1024 });
    const client = await SmtpTestClient.connect(port, { localAddress: '127.0.0.3' });
    await client.ehlo('client.test');
    expect((await client.sendMail(small)).data?.code).toBe(250);
    await client.quit();

    expect(receipts).toEqual([{ messageId: expect.stringMatching(/^\w+-1$/), storage: 'inline' }]);
    const job = await queue.getJob(receipts[0]!.messageId);
    const message = job!.data;
    expect(job!.name).toBe('message');
    expect(message).toMatchObject({
      version: 1,
      server: 'default',
      transaction: 1,
      client: { address: '127.0.0.3', helo: 'client.test' },
      envelope: { mailFrom: 'alice@client.test', rcptTo: ['bob@example.test', 'carol@example.test'], bodyType: '7bit', smtpUtf8: false },
      size: Buffer.byteLength(small.body),
      metadata: { route: 'inbox' },
      body: { inline: expect.any(String) },
    });
    expect(message.receivedHeader).toMatch(/^Received: from client\.test \(\[127\.0\.0\.3\]\)/);
    const stored = (await readQueuedMessage(message)).toString();
    expect(stored).toBe(message.receivedHeader + small.body);
    expect((await readQueuedMessage(message, { withReceivedHeader: false })).toString()).toBe(small.body);
  });

  it('writes a large message to the spool directory and queues its path', async () => {
    const { port, queue } = await start({ spoolDirectory: spool, inlineLimit: 1024 });
    const client = await SmtpTestClient.connect(port);
    expect((await client.sendMail(large)).data?.code).toBe(250);
    await client.quit();

    expect(receipts[0]?.storage).toBe('file');
    const message = (await queue.getJob(receipts[0]!.messageId))!.data;
    expect(message.body).toEqual({ path: join(spool, `${message.messageId}.eml`) });
    expect((await readQueuedMessage(message, { withReceivedHeader: false })).toString()).toBe(large.body);
    // nothing half-written is left behind
    expect(await readdir(spool)).toEqual([`${message.messageId}.eml`]);
    await discardQueuedMessage(message);
    await discardQueuedMessage(message);
    expect(await readdir(spool)).toEqual([]);
  });

  it('keeps every message in Redis without a spool directory', async () => {
    const { port } = await start();
    const client = await SmtpTestClient.connect(port);
    expect((await client.sendMail(large)).data?.code).toBe(250);
    await client.quit();
    expect(receipts[0]?.storage).toBe('inline');
  });

  it('queues a message once when it is delivered twice under one id', async () => {
    const { port, queue } = await start({}, {}, HandOffOnce);
    for (let i = 0; i < 2; i++) {
      const client = await SmtpTestClient.connect(port);
      expect((await client.sendMail(small)).data?.code).toBe(250);
      await client.quit();
    }
    expect(receipts).toHaveLength(2);
    expect(receipts[0]!.messageId).toBe(receipts[1]!.messageId);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('refuses a message over the size limit with 552 and queues nothing', async () => {
    const { port, queue } = await start({}, { size: 2_000 });
    const client = await SmtpTestClient.connect(port);
    expect((await client.sendMail(large)).data?.code).toBe(552);
    await client.quit();
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });

  it('answers 451 4.3.0 when Redis cannot take the job, and leaves no spool file', async () => {
    const gone = await startRedis();
    const goneSpool = await mkdtemp(join(tmpdir(), 'fumi-spool-'));
    try {
      const { port } = await start({
        connection: { host: gone.host, port: gone.port, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null },
        spoolDirectory: goneSpool,
        inlineLimit: 10,
      });
      await gone.stop();
      const client = await SmtpTestClient.connect(port);
      const reply = (await client.sendMail(large)).data;
      expect(reply).toMatchObject({ code: 451, text: '4.3.0 Requested action aborted: message queue unavailable, try again later' });
      await client.quit();
      expect(await readdir(goneSpool)).toEqual([]);
    } finally {
      await gone.stop();
      await rm(goneSpool, { recursive: true, force: true });
    }
  });

  it('fails to read back a body that was damaged', async () => {
    const { port, queue } = await start({ spoolDirectory: spool, inlineLimit: 10 });
    const client = await SmtpTestClient.connect(port);
    expect((await client.sendMail(large)).data?.code).toBe(250);
    await client.quit();
    const message = (await queue.getJob(receipts[0]!.messageId))!.data;
    await writeFile((message.body as { path: string }).path, 'truncated');
    await expect(readQueuedMessage(message)).rejects.toThrow(/is damaged: its body's SHA-256/);
    await discardQueuedMessage(message);
  });

  describe('options', () => {
    const boot = async (options: Record<string, unknown>) => {
      const moduleRef = await Test.createTestingModule({ imports: [FumiQueueModule.forRoot(options as unknown as FumiQueueModuleOptions)] }).compile();
      await moduleRef.init();
      await moduleRef.close();
    };

    it.each<[Record<string, unknown>, RegExp]>([
      [{}, /option "connection": is required/],
      [{ connection: {}, queueName: 'a:b' }, /option "queueName": .*without ":"/],
      [{ connection: {}, inlineLimit: 1024 }, /option "inlineLimit": needs "spoolDirectory"/],
      [{ connection: {}, spoolDirectory: '/nonexistent/fumi' }, /option "spoolDirectory": must be a writable directory/],
      [{ connection: {}, jobOptions: { jobId: 'x' } }, /option "jobOptions\.jobId": is the message id/],
      [{ connection: {}, queue: 'x' }, /option "queue": is not a known option/],
    ])('fails at bootstrap on %j, naming the option', async (options, error) => {
      await expect(boot({ ...options, ...('connection' in options ? { connection: { ...connection(), lazyConnect: true } } : {}) })).rejects.toThrow(error);
    });
  });
});

describe('an instance killed right after its 250', () => {
  it('still has its messages delivered to a worker, each exactly once', async () => {
    const entry = await compileFixture('test/fixtures/queue-instance.ts');
    const queueName = newQueueName();
    const instanceSpool = await mkdtemp(join(tmpdir(), 'fumi-spool-'));
    const instance = startProcess(process.execPath, [entry], {
      env: { ...process.env, REDIS_PORT: String(redis.port), QUEUE_NAME: queueName, SPOOL_DIRECTORY: instanceSpool },
    });
    let worker: Worker<QueuedMessage> | undefined;
    try {
      await waitUntilReady(instance, () => /listening \d+/.test(instance.output()), 20_000);
      const port = Number(/listening (\d+)/.exec(instance.output())![1]);

      const client = await SmtpTestClient.connect(port);
      expect((await client.sendMail(small)).data?.code).toBe(250);
      expect((await client.sendMail(large)).data?.code).toBe(250);
      // no QUIT, no shutdown hooks: the process is gone the moment the client has its 250
      instance.child.kill('SIGKILL');
      await instance.exited;
      client.destroy();

      const delivered: { id: string; text: string }[] = [];
      worker = new Worker<QueuedMessage>(
        queueName,
        async (job) => {
          delivered.push({ id: job.id!, text: (await readQueuedMessage(job.data, { withReceivedHeader: false })).toString() });
          await discardQueuedMessage(job.data);
        },
        { connection: { ...connection(), maxRetriesPerRequest: null } },
      );
      await waitFor(() => delivered.length >= 2, 15_000);
      await setTimeout(1_000); // time enough for a duplicate to show up
      expect(delivered.map((d) => d.text).sort()).toEqual([small.body, large.body].sort());
      expect(new Set(delivered.map((d) => d.id)).size).toBe(2);
      const probe = new Queue(queueName, { connection: connection() });
      expect(await probe.getJobCounts('waiting', 'active', 'completed', 'failed')).toEqual({ waiting: 0, active: 0, completed: 2, failed: 0 });
      await probe.close();
      expect(await readdir(instanceSpool)).toEqual([]);
    } finally {
      await worker?.close();
      await instance.stop();
      await rm(instanceSpool, { recursive: true, force: true });
    }
  }, 60_000);
});
