import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthContext,
  Ctx,
  FumiModule,
  FumiServer,
  getFumiServerToken,
  MemoryCounterStore,
  OnAuth,
  type CounterStore,
  type FumiModuleOptions,
} from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, testServerOptions, type RunningApp } from './support/app.js';
import { plainAuth, xoauth2Auth } from './support/tls.js';

/** Every AUTH the handlers saw, by username. */
const attempts: string[] = [];

/** alice/secret logs in; "busy" gets a temporary 454 (the directory is down, not the client's fault). */
@Injectable()
class Directory {
  @OnAuth() login(@Ctx() ctx: AuthContext) {
    const { username, password, accessToken } = ctx.credentials;
    attempts.push(username);
    if (username === 'busy') ctx.reject('Directory unavailable, try later', 454, '4.7.0');
    if (username === 'alice' && (password === 'secret' || accessToken === 'good-token')) return ctx.accept(username);
    ctx.reject();
  }
}

// Plain connections keep these tests about the limits; TLS has its own spec.
const options = (extra: FumiModuleOptions = {}): FumiModuleOptions => ({
  allowInsecureAuth: true,
  authOptional: true,
  authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
  ...extra,
});

async function connect(port: number, localAddress = '127.0.0.1'): Promise<SmtpTestClient> {
  const client = await SmtpTestClient.connect(port, { localAddress });
  await client.ehlo();
  return client;
}

describe('AUTH brute-force defence', () => {
  let running: RunningApp | undefined;
  beforeEach(() => (attempts.length = 0));
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('closes a connection with 421 4.7.0 at its third failure, by default', async () => {
    running = await startApp({ providers: [Directory] }, options());
    const client = await connect(running.port);
    expect((await client.send(plainAuth('alice', 'one'))).code).toBe(535);
    expect((await client.send(plainAuth('alice', 'two'))).code).toBe(535);
    expect(await client.send(plainAuth('alice', 'three'))).toMatchObject({
      code: 421,
      text: '4.7.0 Too many failed authentication attempts, closing connection',
    });
    await client.closed;
    expect(attempts).toHaveLength(3);
    // a new connection starts a new count (the address has 3 of its 10)
    const again = await connect(running.port);
    expect((await again.send(plainAuth('alice', 'secret'))).code).toBe(235);
    await again.quit();
  });

  it('refuses an address that used its budget with 454 4.7.0, without asking the handlers, until the window ends', async () => {
    running = await startApp(
      { providers: [Directory] },
      options({ authFailureLimits: { perConnection: false, perAddress: 3, window: 1_000 } }),
    );
    const first = await connect(running.port);
    for (const guess of ['a', 'b', 'c']) expect((await first.send(plainAuth('alice', guess))).code).toBe(535);
    const locked = await first.send(plainAuth('alice', 'secret'));
    expect(locked).toMatchObject({ code: 454, text: '4.7.0 Too many failed authentication attempts, try again later' });
    // refused before the exchange: no 334 prompt for a password either
    expect((await first.send('AUTH LOGIN')).code).toBe(454);
    await first.quit();

    const reconnected = await connect(running.port);
    expect((await reconnected.send(plainAuth('alice', 'secret'))).code).toBe(454);
    await reconnected.quit();
    expect(attempts).toHaveLength(3);

    const elsewhere = await connect(running.port, '127.0.0.2');
    expect((await elsewhere.send(plainAuth('alice', 'secret'))).code).toBe(235);
    await elsewhere.quit();

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = await connect(running.port);
    expect((await later.send(plainAuth('alice', 'secret'))).code).toBe(235);
    await later.quit();
  });

  it('counts refusals of a locked-out address against the connection', async () => {
    running = await startApp({ providers: [Directory] }, options({ authFailureLimits: { perConnection: 3, perAddress: 1 } }));
    const client = await connect(running.port);
    expect((await client.send(plainAuth('alice', 'wrong'))).code).toBe(535);
    expect((await client.send(plainAuth('alice', 'secret'))).code).toBe(454);
    expect((await client.send(plainAuth('alice', 'secret'))).code).toBe(421);
    await client.closed;
    expect(attempts).toHaveLength(1);
  });

  it('ends an XOAUTH2 connection with 421 instead of another challenge', async () => {
    running = await startApp({ providers: [Directory] }, options({ authFailureLimits: { perConnection: 2 } }));
    const client = await connect(running.port);
    expect((await client.send(xoauth2Auth('alice', 'bad'))).code).toBe(334);
    expect((await client.send('')).code).toBe(535);
    expect((await client.send(xoauth2Auth('alice', 'bad'))).code).toBe(421);
    await client.closed;
  });

  it('does not count temporary (4xx) refusals from the handlers', async () => {
    running = await startApp({ providers: [Directory] }, options());
    const client = await connect(running.port);
    for (let i = 0; i < 5; i++) expect((await client.send(plainAuth('busy', 'secret'))).code).toBe(454);
    expect((await client.send(plainAuth('alice', 'secret'))).code).toBe(235);
    await client.quit();
    expect(attempts).toHaveLength(6);
  });

  it('can be turned off', async () => {
    running = await startApp({ providers: [Directory] }, options({ authFailureLimits: false }));
    const client = await connect(running.port);
    for (let i = 0; i < 12; i++) expect((await client.send(plainAuth('alice', `guess${i}`))).code).toBe(535);
    expect((await client.send(plainAuth('alice', 'secret'))).code).toBe(235);
    await client.quit();
  });

  it('keeps the address budget in the given store, shared by two servers', async () => {
    const store = new MemoryCounterStore();
    const calls: string[] = [];
    const spy: CounterStore = {
      increment: (key, windowMs, amount) => {
        calls.push(`increment ${key} ${windowMs}`);
        return store.increment(key, windowMs, amount);
      },
      get: (key) => store.get(key),
      reset: (key) => store.reset(key),
    };
    const limits = { perConnection: false as const, perAddress: 2, window: 60_000, store: spy };
    @Injectable()
    class SecondDirectory extends Directory {
      @OnAuth({ server: 'two' }) loginToTwo(@Ctx() ctx: AuthContext) {
        this.login(ctx);
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        FumiModule.forRoot(testServerOptions(options({ authFailureLimits: limits }))),
        FumiModule.forRoot({ ...testServerOptions(options({ authFailureLimits: limits })), name: 'two' }),
      ],
      providers: [SecondDirectory],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    try {
      const portOf = (name: string) => moduleRef.get<FumiServer>(getFumiServerToken(name)).address().port;
      const one = await connect(portOf('default'));
      expect((await one.send(plainAuth('alice', 'x'))).code).toBe(535);
      expect((await one.send(plainAuth('alice', 'y'))).code).toBe(535);
      await one.quit();
      const two = await connect(portOf('two'));
      expect((await two.send(plainAuth('alice', 'secret'))).code).toBe(454);
      await two.quit();
      expect(calls).toEqual(['increment fumi:auth-failures:127.0.0.1 60000', 'increment fumi:auth-failures:127.0.0.1 60000']);
    } finally {
      await moduleRef.close();
    }
  });

  it('lets AUTH go on when the store fails, and still limits the connection', async () => {
    const broken: CounterStore = {
      increment: () => Promise.reject(new Error('redis down')),
      get: () => Promise.reject(new Error('redis down')),
      reset: () => Promise.resolve(),
    };
    running = await startApp({ providers: [Directory] }, options({ authFailureLimits: { store: broken } }));
    const client = await connect(running.port);
    expect((await client.send(plainAuth('alice', 'wrong'))).code).toBe(535);
    expect((await client.send(plainAuth('alice', 'secret'))).code).toBe(235);
    await client.quit();
    const other = await connect(running.port);
    for (const guess of ['a', 'b']) expect((await other.send(plainAuth('alice', guess))).code).toBe(535);
    expect((await other.send(plainAuth('alice', 'c'))).code).toBe(421);
  });

  describe('options', () => {
    const boot = async (authFailureLimits: unknown) => {
      const moduleRef = await Test.createTestingModule({
        imports: [FumiModule.forRoot(testServerOptions({ authFailureLimits } as FumiModuleOptions))],
      }).compile();
      await moduleRef.close();
    };

    it.each<[unknown, RegExp]>([
      [{ perConnection: 0 }, /"authFailureLimits\.perConnection".*from 1, or false/],
      [{ perAddress: 'ten' }, /"authFailureLimits\.perAddress"/],
      [{ window: -5 }, /"authFailureLimits\.window"/],
      [{ store: {} }, /"authFailureLimits\.store".*CounterStore/],
      [{ perIp: 3 }, /"authFailureLimits".*unknown key "perIp"/],
      [true, /"authFailureLimits"/],
    ])('fails at bootstrap on %j, naming the option', async (value, message) => {
      await expect(boot(value)).rejects.toThrow(message);
    });
  });
});
