import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthContext, Ctx, OnAuth, OnConnect, OnRcptTo, RcptToContext, type ConnectContext } from '../../lib/index.js';
import { FumiMailAuthModule, mailAuthResultsOf, type DnsblListing, type FumiMailAuthModuleOptions } from '../../lib/mail-auth/index.js';
import { RedisCounterStore } from '../../lib/redis/index.js';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { mailAuthZone, makeKeys } from '../support/mail-auth-zone.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { plainAuth } from '../support/tls.js';

let dns: TestDnsServer;
const apps: RunningApp[] = [];
const listings: (readonly DnsblListing[])[] = [];

@Injectable()
class Observer {
  @OnConnect()
  seen(@Ctx() ctx: ConnectContext) {
    listings.push(mailAuthResultsOf(ctx).dnsbl);
  }

  @OnAuth()
  login(@Ctx() ctx: AuthContext) {
    ctx.accept(ctx.credentials.username);
  }

  @OnRcptTo()
  known(@Ctx() ctx: RcptToContext) {
    if (ctx.address.address.startsWith('nobody@')) ctx.reject('No such user', 550, '5.1.1');
  }
}

async function boot(options: Partial<FumiMailAuthModuleOptions>): Promise<number> {
  const running = await startApp(
    {
      imports: [FumiMailAuthModule.forRoot({ dns: { servers: [dns.server], timeout: 500, tries: 1 }, spf: false, dmarc: false, ...options })],
      providers: [Observer],
    },
    { allowInsecureAuth: true, authOptional: true },
  );
  apps.push(running);
  return running.port;
}

async function greeting(port: number): Promise<string> {
  const client = await SmtpTestClient.connect(port);
  const reply = client.greeting;
  client.destroy();
  return `${reply.code} ${reply.lines.join(' ')}`;
}

async function rcpt(port: number, from = 'a@pass.test', to = 'b@mx.example.test', login?: string): Promise<string> {
  const client = await SmtpTestClient.connect(port);
  await client.ehlo();
  if (login) await client.send(plainAuth(login, 'secret'));
  await client.send(`MAIL FROM:<${from}>`);
  const reply = await client.send(`RCPT TO:<${to}>`);
  await client.quit();
  return `${reply.code} ${reply.lines.join(' ')}`;
}

beforeAll(async () => (dns = await startDnsServer('test', mailAuthZone(makeKeys()))));
afterAll(() => dns.stop());
beforeEach(() => (listings.length = 0));
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe('DNS blocklists at connect', () => {
  it('refuses a listed client with 554 5.7.1 naming the list, and keeps the answer for its TTL', async () => {
    const spare = await startDnsServer('test', mailAuthZone(makeKeys()));
    const port = await boot({ dns: { servers: [spare.server], timeout: 300, tries: 1 }, dnsbl: { zones: ['clean.test', 'bl.test'] } });
    expect(await greeting(port)).toMatch(/^554 5\.7\.1 Service unavailable; client \[127\.0\.0\.1\] blocked using bl\.test/);
    await spare.stop();
    // the name server is gone: only the kept answer can refuse the client again
    expect(await greeting(port)).toMatch(/^554 5\.7\.1 .*bl\.test/);
  });

  it('only records the listing when told to tag, and asks nothing for an allowlisted client', async () => {
    let port = await boot({ dnsbl: { zones: ['bl.test'], listed: 'tag' } });
    expect(await greeting(port)).toMatch(/^220 /);
    expect(listings[0]).toEqual([{ zone: 'bl.test', codes: ['127.0.0.2'] }]);
    port = await boot({ dnsbl: { zones: ['bl.test'] }, allowlist: ['127.0.0.0/8'] });
    expect(await greeting(port)).toMatch(/^220 /);
    expect(listings[1]).toEqual([]);
  });

  it('lets a client in when the list does not answer (a blocklist outage is not a reason to refuse)', async () => {
    const port = await boot({ dns: { servers: ['127.0.0.1:9'], timeout: 200, tries: 1 }, dnsbl: { zones: ['bl.test'] } });
    expect(await greeting(port)).toMatch(/^220 /);
  });
});

describe('greylisting at RCPT TO', () => {
  it('defers a new triplet with 451 4.7.1, defers an early retry, passes a retry after the delay, then passes at once', async () => {
    const port = await boot({ greylist: { delay: 4000 } });
    expect(await rcpt(port)).toMatch(/^451 4\.7\.1 Greylisted: please try again in 4 seconds/);
    expect(await rcpt(port)).toMatch(/^451 4\.7\.1 /);
    await sleep(4100);
    expect(await rcpt(port)).toMatch(/^250 /);
    expect(await rcpt(port)).toMatch(/^250 /);
    // another recipient is another triplet
    expect(await rcpt(port, 'a@pass.test', 'c@mx.example.test')).toMatch(/^451 /);
  });

  it("runs after the app's own recipient checks: an unknown recipient gets its 550 at once", async () => {
    const port = await boot({ greylist: true });
    expect(await rcpt(port, 'a@pass.test', 'nobody@mx.example.test')).toMatch(/^550 5\.1\.1 /);
    expect(await rcpt(port, 'a@pass.test', 'somebody@mx.example.test')).toMatch(/^451 4\.7\.1 /);
  });

  it('skips authenticated clients, allowlisted ranges and, when asked, senders whose SPF passed', async () => {
    let port = await boot({ greylist: true });
    expect(await rcpt(port, 'a@pass.test', 'b@mx.example.test', 'alice')).toMatch(/^250 /);
    port = await boot({ greylist: true, allowlist: ['127.0.0.1'] });
    expect(await rcpt(port)).toMatch(/^250 /);
    port = await boot({ greylist: { skipSpfPass: true }, spf: {} });
    expect(await rcpt(port, 'a@pass.test')).toMatch(/^250 /);
    expect(await rcpt(port, 'a@softfail.test')).toMatch(/^451 4\.7\.1 /);
  });

  describe('across instances, in Redis', () => {
    let redis: TestRedis;
    beforeAll(async () => (redis = await startRedis()));
    afterAll(() => redis.stop());

    it('passes on one instance the retry of a triplet first seen by another', async () => {
      const clients = [new Redis({ host: redis.host, port: redis.port }), new Redis({ host: redis.host, port: redis.port })];
      try {
        const [first, second] = await Promise.all(
          clients.map((client) => boot({ greylist: { delay: 4000, store: new RedisCounterStore(client, { keyPrefix: 'gl:' }) } })),
        );
        expect(await rcpt(first!)).toMatch(/^451 4\.7\.1 /);
        expect(await rcpt(second!)).toMatch(/^451 4\.7\.1 /);
        await sleep(4100);
        expect(await rcpt(second!)).toMatch(/^250 /);
        expect(await rcpt(first!)).toMatch(/^250 /);
        expect((await clients[0]!.keys('gl:fumi:greylist-pass:*')).length).toBe(1);
      } finally {
        for (const app of apps.splice(0)) await app.close();
        await Promise.all(clients.map((client) => client.quit()));
      }
    });
  });
});
