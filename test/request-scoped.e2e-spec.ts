import { Injectable, Scope } from '@nestjs/common';
import {
  Ctx,
  type FumiSession,
  InjectSmtpSession,
  OnClose,
  OnConnect,
  OnMailFrom,
  OnRcptTo,
  SmtpContext,
} from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';

describe('request-scoped handlers', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const seen: { phase: string; instance: number; session: string }[] = [];
  beforeEach(() => (seen.length = 0));
  let instances = 0;

  @Injectable({ scope: Scope.REQUEST })
  class PerConnection {
    readonly number = ++instances;

    constructor(@InjectSmtpSession() private readonly session: FumiSession) {}

    // One method for several phases: its pipeline is built once per connection and shared.
    @OnConnect()
    @OnMailFrom()
    @OnRcptTo()
    note(@Ctx() ctx: SmtpContext) {
      seen.push({ phase: ctx.phase, instance: this.number, session: this.session.id });
    }

    @OnClose()
    close(@Ctx() ctx: SmtpContext) {
      seen.push({ phase: ctx.phase, instance: this.number, session: this.session.id });
    }
  }

  it('gives each connection one instance, in every phase of every method', async () => {
    running = await startApp({ providers: [PerConnection] });
    const sessions: string[] = [];
    for (let i = 0; i < 2; i++) {
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
      expect((await client.send('RCPT TO:<b@example.test>')).code).toBe(250);
      expect((await client.send('RCPT TO:<c@example.test>')).code).toBe(250);
      await client.quit();
      await waitFor(() => seen.filter((s) => s.phase === 'close').length === i + 1);
      sessions.push(seen.find((s) => s.phase === 'connect' && !sessions.includes(s.session))!.session);
    }
    for (const session of sessions) {
      const mine = seen.filter((s) => s.session === session);
      expect(mine.map((s) => s.phase)).toEqual(['connect', 'mailFrom', 'rcptTo', 'rcptTo', 'close']);
      expect(new Set(mine.map((s) => s.instance)).size).toBe(1);
    }
    expect(seen.find((s) => s.session === sessions[0])!.instance).not.toBe(
      seen.find((s) => s.session === sessions[1])!.instance,
    );
  });
});

async function waitFor(condition: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
