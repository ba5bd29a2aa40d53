import { Injectable } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { once } from 'node:events';
import { setTimeout } from 'node:timers/promises';
import { AuthContext, Ctx, MemoryCounterStore, OnAuth, type CounterStore, type FumiModuleOptions } from '../lib/index.js';
import { RedisCounterStore } from '../lib/redis/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { startRedis, type TestRedis } from './support/redis-server.js';
import { plainAuth } from './support/tls.js';
import { waitFor } from './support/wait-for.js';

let redis: TestRedis;
const clients: Redis[] = [];
/** A client of the test's Redis, quit after the file. */
const client = (options: RedisOptions = {}) => {
  const created = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 1, ...options });
  clients.push(created);
  return created;
};

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  await redis?.stop();
});

describe.each<[string, () => CounterStore]>([
  ['MemoryCounterStore', () => new MemoryCounterStore()],
  ['RedisCounterStore', () => new RedisCounterStore(client(), { keyPrefix: `test:${Math.random()}:` })],
])('%s: the CounterStore contract', (_name, create) => {
  it('opens a window with the first increment and adds up inside it', async () => {
    const store = create();
    const before = Date.now();
    const first = await store.increment('k', 60_000);
    expect(first.count).toBe(1);
    expect(first.resetAt).toBeGreaterThanOrEqual(before + 59_000);
    expect(first.resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect((await store.increment('k', 60_000, 4)).count).toBe(5);
    expect(await store.get('k')).toMatchObject({ count: 5 });
    expect(await store.get('other')).toBeUndefined();
  });

  it('keeps the window the first increment opened, then starts again from 0', async () => {
    const store = create();
    const opened = await store.increment('k', 1_000);
    await setTimeout(200);
    const later = await store.increment('k', 1_000);
    expect(later.count).toBe(2);
    // not extended by the second increment (clocks of the two calls differ by a few ms at most)
    expect(Math.abs(later.resetAt - opened.resetAt)).toBeLessThan(50);
    // Redis ends the window on its own clock: poll for the end instead of sleeping to a guess of it
    await setTimeout(Math.max(0, opened.resetAt - Date.now()));
    await waitFor(async () => (await store.get('k')) === undefined);
    expect((await store.increment('k', 1_000)).count).toBe(1);
  });

  it('forgets a key on reset', async () => {
    const store = create();
    await store.increment('k', 60_000, 3);
    await store.reset('k');
    expect(await store.get('k')).toBeUndefined();
    expect((await store.increment('k', 60_000)).count).toBe(1);
  });

  it("moves an open window's end with expire(), keeping its count, and opens none for a missing key", async () => {
    const store = create();
    await store.increment('k', 1_000, 3);
    await store.expire!('k', 3_600_000);
    const moved = await store.get('k');
    expect(moved?.count).toBe(3);
    expect(moved!.resetAt).toBeGreaterThan(Date.now() + 3_500_000);
    await store.expire!('missing', 60_000);
    expect(await store.get('missing')).toBeUndefined();
  });
});

describe('RedisCounterStore', () => {
  it('never loses a count when instances increment at once', async () => {
    const prefix = `race:${Date.now()}:`;
    const stores = [client(), client(), client()].map((c) => new RedisCounterStore(c, { keyPrefix: prefix }));
    const counts = await Promise.all(Array.from({ length: 300 }, (_, i) => stores[i % 3]!.increment('k', 60_000)));
    // every increment saw a different total: 1..300, each exactly once
    expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const ttl = await client().pttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(55_000);
  });

  it('names its keys with the prefix it is given', async () => {
    const redisClient = client();
    await new RedisCounterStore(redisClient, { keyPrefix: 'staging:' }).increment('fumi:auth-failures:192.0.2.1', 60_000);
    expect(await redisClient.get('staging:fumi:auth-failures:192.0.2.1')).toBe('1');
  });
});

/** alice/secret logs in; everything else fails. */
@Injectable()
class Directory {
  @OnAuth() login(@Ctx() ctx: AuthContext) {
    if (ctx.credentials.username === 'alice' && ctx.credentials.password === 'secret') return ctx.accept('alice');
    ctx.reject();
  }
}

describe('AUTH failure limits shared by two instances through Redis', () => {
  const WINDOW_MS = 3_000;
  let instances: RunningApp[] = [];
  afterEach(async () => {
    await Promise.all(instances.map((i) => i.close()));
    instances = [];
  });

  /** One instance: its own app, its own Redis connection, the same Redis. */
  const instance = async (store: CounterStore) => {
    const options: FumiModuleOptions = {
      allowInsecureAuth: true,
      authOptional: true,
      authFailureLimits: { perConnection: false, perAddress: 3, window: WINDOW_MS, store },
    };
    const running = await startApp({ providers: [Directory] }, options);
    instances.push(running);
    return running;
  };
  const login = async (port: number, password: string) => {
    const smtp = await SmtpTestClient.connect(port);
    await smtp.ehlo();
    const reply = await smtp.send(plainAuth('alice', password));
    await smtp.quit();
    return reply.code;
  };

  it('locks an address out on instance B after its failures on instance A, until the window ends', async () => {
    const keyPrefix = `shared:${Date.now()}:`;
    const a = await instance(new RedisCounterStore(client(), { keyPrefix }));
    const b = await instance(new RedisCounterStore(client(), { keyPrefix }));

    const beforeFirstFailure = Date.now();
    expect(await login(a.port, 'one')).toBe(535);
    expect(await login(b.port, 'two')).toBe(535);
    expect(await login(a.port, 'three')).toBe(535);
    // the address has used its budget of 3, whichever instance it tries
    expect(await login(b.port, 'secret')).toBe(454);
    expect(await login(a.port, 'secret')).toBe(454);

    // The window opened when Redis counted the first failure, some time after it was sent: poll
    // for its end rather than guess when that was, and never before it could have ended.
    await setTimeout(beforeFirstFailure + WINDOW_MS - Date.now());
    const deadline = Date.now() + WINDOW_MS;
    let code = await login(b.port, 'secret');
    while (code === 454 && Date.now() < deadline) {
      await setTimeout(100);
      code = await login(b.port, 'secret');
    }
    expect(code).toBe(235);
  });

  it('lets AUTH go on when Redis is unreachable', async () => {
    const gone = await startRedis();
    // fails fast: no retries, no offline queue, no reconnecting
    const unreachable = new Redis(gone.port, gone.host, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    await once(unreachable, 'ready');
    await gone.stop();
    if (unreachable.status !== 'end') await once(unreachable, 'end');
    const a = await instance(new RedisCounterStore(unreachable));
    expect(await login(a.port, 'wrong')).toBe(535);
    expect(await login(a.port, 'secret')).toBe(235);
  });
});
