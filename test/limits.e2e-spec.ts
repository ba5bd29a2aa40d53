import { Test } from '@nestjs/testing';
import { FumiModule, MemoryCounterStore } from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, testServerOptions, type RunningApp } from './support/app.js';
import { waitFor } from './support/wait-for.js';

describe('per-client limits', () => {
  const apps: RunningApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });
  const start = async (options: Parameters<typeof startApp>[1]) => {
    const app = await startApp({}, options);
    apps.push(app);
    return app;
  };
  const from = (app: RunningApp, localAddress: string) => SmtpTestClient.connect(app.port, { localAddress });

  it('caps open connections per address with 421 4.7.0, and frees the slot on close', async () => {
    const app = await start({ limits: { connectionsPerAddress: 2, exempt: [] } });
    const a = await from(app, '127.0.0.2');
    const b = await from(app, '127.0.0.2');
    const c = await from(app, '127.0.0.2');
    expect(c.greeting).toMatchObject({ code: 421, enhancedCode: '4.7.0' });
    await c.closed;
    const other = await from(app, '127.0.0.3');
    expect(other.greeting.code).toBe(220); // another address has its own budget
    await a.quit();
    await waitFor(() => app.server.connections === 2);
    await new Promise((resolve) => setTimeout(resolve, 50)); // onClose runs on the next turn of the loop
    const d = await from(app, '127.0.0.2');
    expect(d.greeting.code).toBe(220);
    await Promise.all([b.quit(), d.quit(), other.quit()]);
  });

  it('exempts loopback by default, so local tools are never throttled', async () => {
    const app = await start({});
    const clients = await Promise.all(Array.from({ length: 60 }, () => SmtpTestClient.connect(app.port)));
    expect(clients.every((c) => c.greeting.code === 220)).toBe(true);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('limits the connection rate, shared by every server using the same store', async () => {
    const store = new MemoryCounterStore();
    const limits = { connectionRate: { max: 2, window: 60_000 }, exempt: [], store };
    const one = await start({ limits });
    const two = await start({ limits });
    const first = await from(one, '127.0.0.4');
    const second = await from(two, '127.0.0.4');
    const third = await from(one, '127.0.0.4');
    expect([first.greeting.code, second.greeting.code]).toEqual([220, 220]);
    expect(third.greeting).toMatchObject({ code: 421, enhancedCode: '4.7.0' });
    expect((await from(two, '127.0.0.4')).greeting.code).toBe(421);
    await Promise.all([first.quit(), second.quit()]);
  });

  it('limits the message rate with 421 4.7.0 at MAIL FROM', async () => {
    const app = await start({ limits: { messageRate: { max: 2, window: 60_000 }, exempt: [] } });
    const client = await from(app, '127.0.0.5');
    await client.ehlo();
    for (let i = 0; i < 2; i++) {
      expect((await client.send('MAIL FROM:<a@x.test>')).code).toBe(250);
      await client.send('RSET');
    }
    expect(await client.send('MAIL FROM:<a@x.test>')).toMatchObject({ code: 421, enhancedCode: '4.7.0' });
    await client.closed;
  });

  it('caps recipients per transaction at 100 by default with 452 4.5.3', async () => {
    const app = await start({});
    const client = await SmtpTestClient.connect(app.port);
    await client.ehlo();
    await client.send('MAIL FROM:<a@x.test>');
    const replies = await client.pipeline(Array.from({ length: 101 }, (_, i) => `RCPT TO:<r${i}@x.test>`));
    expect(replies.slice(0, 100).every((r) => r.code === 250)).toBe(true);
    expect(replies[100]).toMatchObject({ code: 452, enhancedCode: '4.5.3' });
    await client.quit();
  });

  it.each([
    [{ connectionsPerAddress: 0 }, /"limits\.connectionsPerAddress"/],
    [{ messageRate: { max: 5 } }, /"limits\.messageRate\.window"/],
    [{ exempt: ['not-an-ip'] }, /"limits\.exempt".*not-an-ip/],
    [{ store: {} }, /"limits\.store".*CounterStore/],
    [{ perIp: 3 }, /"limits".*unknown key "perIp"/],
  ])('names the bad field at bootstrap: %j', async (limits, message) => {
    await expect(
      Test.createTestingModule({ imports: [FumiModule.forRoot({ ...testServerOptions(), limits: limits as never })] }).compile(),
    ).rejects.toThrow(message);
  });
});
