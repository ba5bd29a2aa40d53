import { Injectable } from '@nestjs/common';
import { text } from 'node:stream/consumers';
import { Ctx, DataContext, FumiEvents, type FumiSessionEvent, OnData, OnRcptTo, RcptToContext } from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { waitFor } from './support/wait-for.js';

describe('FumiEvents: the live stream of session events', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  @Injectable()
  class Handlers {
    @OnRcptTo() rcpt(@Ctx() ctx: RcptToContext) {
      if (ctx.address.address.startsWith('nobody')) ctx.reject('No such user', 550, '5.1.1');
    }
    @OnData() async data(@Ctx() ctx: DataContext) {
      await text(ctx.stream);
    }
  }

  it('reports every phase with its reply, in order, for each session', async () => {
    running = await startApp({ providers: [Handlers] }, { size: 2000 });
    const events: FumiSessionEvent[] = [];
    const subscription = running.app.get(FumiEvents).events$.subscribe((e) => events.push(e));
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo('watcher.test');
    await client.sendMail({ from: 'a@x.test', to: ['nobody@x.test', 'b@x.test'], body: 'Subject: e\r\n\r\nhi\r\n' });
    await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: 'y'.repeat(3000) + '\r\n' });
    await client.quit();
    await waitFor(() => events.some((e) => e.phase === 'close'));
    subscription.unsubscribe();

    const summary = events.map((e) => [e.phase, e.code, e.ok, e.address ?? e.size ?? null]);
    expect(summary).toEqual([
      ['connect', 220, true, null],
      ['mailFrom', 250, true, 'a@x.test'],
      ['rcptTo', 550, false, 'nobody@x.test'],
      ['rcptTo', 250, true, 'b@x.test'],
      ['data', 250, true, 18],
      ['mailFrom', 250, true, 'a@x.test'],
      ['rcptTo', 250, true, 'b@x.test'],
      ['data', 552, false, 2000],
      ['close', undefined, true, null],
    ]);
    expect(new Set(events.map((e) => e.sessionId)).size).toBe(1);
    expect(events[2]).toMatchObject({ message: 'No such user', clientHostname: 'watcher.test', remoteAddress: '127.0.0.1', server: 'default' });
  });
});
