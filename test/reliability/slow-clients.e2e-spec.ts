import { Injectable } from '@nestjs/common';
import { Ctx, DataContext, OnData } from '../../lib/index.js';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { startApp } from '../support/app.js';
import { waitFor } from '../support/wait-for.js';
import { countFromEnv, recordFigures } from './support/figures.js';
import { runPool } from './support/pool.js';
import { RawSession } from './support/raw-session.js';
import { startRecordingInbox, type RecordingInboxApp } from './support/recording-inbox.js';

/**
 * Slow and greedy clients. smtp-server drops a client that sends nothing for `socketTimeout`, but
 * resets that timer on every byte and has no limit of its own on a session's length: that is
 * `maxSessionDuration` (421 4.4.2; the command caps are in connection-caps.e2e-spec.ts). Times are
 * scaled down (a "byte a second" is a byte every 100 ms against a 1 s idle timeout).
 */
const IDLE_TIMEOUT = 1000;
const SESSION_CAP = 2500;
const DRIP_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `bytes` one at a time, DRIP_MS apart, until the connection closes or `limitMs` passes. */
async function drip(session: RawSession, bytes: string, limitMs: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; !session.isClosed && performance.now() - started < limitMs; i++) {
    session.write(bytes[i % bytes.length]!);
    await sleep(DRIP_MS);
  }
  return Math.round(performance.now() - started);
}

describe('reliability: slow clients, session caps, connection floods', () => {
  const figures: Record<string, unknown> = {};
  let capped: RecordingInboxApp;
  let uncapped: RecordingInboxApp;

  beforeAll(async () => {
    capped = await startRecordingInbox({ socketTimeout: IDLE_TIMEOUT, maxSessionDuration: SESSION_CAP });
    uncapped = await startRecordingInbox({ socketTimeout: IDLE_TIMEOUT, maxSessionDuration: false });
  });
  afterAll(async () => {
    await capped.close();
    await uncapped.close();
    recordFigures('slow clients', figures);
  });

  it('drops an idle connection after socketTimeout with 421', async () => {
    const session = await RawSession.connect(capped.port);
    const started = performance.now();
    const { codes, texts } = await session.waitForReplies(2, 5000);
    await session.closed;
    const ms = Math.round(performance.now() - started);
    expect(codes).toEqual([220, 421]);
    expect(texts[1]).toMatch(/Timeout/);
    expect(ms).toBeGreaterThanOrEqual(IDLE_TIMEOUT - 50);
    expect(ms).toBeLessThan(IDLE_TIMEOUT + 1000);
    figures.idle = { socketTimeout: IDLE_TIMEOUT, droppedAfterMs: ms };
  });

  it('cuts a byte-at-a-time client at maxSessionDuration with 421 4.4.2 (the idle timeout never fires)', async () => {
    const session = await RawSession.connect(capped.port);
    const ms = await drip(session, 'NOOP\r\n', 5000);
    const { codes, texts } = session.replies();
    expect(codes.at(-1)).toBe(421);
    expect(texts.at(-1)).toBe('4.4.2 Session time limit reached, closing connection');
    expect(ms).toBeGreaterThanOrEqual(SESSION_CAP - 150);
    expect(ms).toBeLessThan(SESSION_CAP + 1000);
    figures.slowloris = { byteEveryMs: DRIP_MS, maxSessionDuration: SESSION_CAP, cutAfterMs: ms, noopsAnswered: codes.filter((c) => c === 250).length };
  });

  it('without the cap the same client is still connected after twice that time (smtp-server alone never stops it)', async () => {
    const session = await RawSession.connect(uncapped.port);
    const ms = await drip(session, 'NOOP\r\n', SESSION_CAP * 2);
    expect(session.isClosed).toBe(false);
    expect(ms).toBeGreaterThanOrEqual(SESSION_CAP * 2);
    session.destroy();
  });

  it('cuts a client that sends a valid NOOP just inside every idle timeout at maxSessionDuration', async () => {
    const client = await SmtpTestClient.connect(capped.port);
    const started = performance.now();
    let answered = 0;
    // bounded: at most 20 NOOPs, far more than fit in the cap
    for (let i = 0; i < 20 && !client.isClosed; i++) {
      const reply = await client.send('NOOP').catch(() => undefined);
      if (reply?.code === 250) answered++;
      else if (reply) {
        expect(reply).toMatchObject({ code: 421, enhancedCode: '4.4.2' });
        break;
      }
      await sleep(IDLE_TIMEOUT - 150);
    }
    await client.closed;
    const ms = Math.round(performance.now() - started);
    expect(ms).toBeLessThan(SESSION_CAP + 1000);
    figures.noopEveryIdle = { intervalMs: IDLE_TIMEOUT - 150, answered, closedAfterMs: ms };
  });

  it('cuts a client trickling its message at the cap: no 250, nothing stored', async () => {
    const before = capped.mailbox.messages.length;
    const session = await RawSession.connect(capped.port);
    session.write('EHLO slow.test\r\nMAIL FROM:<trickle@ok.test>\r\nRCPT TO:<rcpt@ok.test>\r\nDATA\r\n');
    expect((await session.waitForReplies(5)).codes).toEqual([220, 250, 250, 250, 354]);
    await drip(session, 'Subject: slow\r\n\r\nxxxxxxxx\r\n', 5000);
    const { codes, texts } = session.replies();
    expect(codes).toEqual([220, 250, 250, 250, 354, 421]);
    expect(texts[5]).toMatch(/^4\.4\.2 /);
    await waitFor(() => capped.mailbox.failures > 0);
    expect(capped.mailbox.messages.length).toBe(before);
  });

  it('lets a handler deciding on a complete message answer first, then closes: 250 then 421, message kept', async () => {
    const stored: string[] = [];
    @Injectable()
    class SlowStore {
      @OnData() async store(@Ctx() ctx: DataContext) {
        const body = (await ctx.buffer()).toString();
        await sleep(700); // storage slower than what is left of the session
        stored.push(body);
      }
    }
    const slow = await startApp({ providers: [SlowStore] }, { socketTimeout: IDLE_TIMEOUT, maxSessionDuration: 1000 });
    try {
      const client = await SmtpTestClient.connect(slow.port);
      await client.ehlo();
      await client.send('MAIL FROM:<a@ok.test>');
      await client.send('RCPT TO:<b@ok.test>');
      await sleep(400);
      const started = performance.now();
      expect((await client.data('Subject: kept\r\n\r\nbody\r\n')).code).toBe(250);
      expect(await client.read()).toMatchObject({ code: 421, enhancedCode: '4.4.2' });
      await client.closed;
      expect(stored).toEqual(['Subject: kept\r\n\r\nbody\r\n']);
      figures.deadlineWhileDeciding = { replyAfterMs: Math.round(performance.now() - started), then: 421 };
    } finally {
      await slow.close();
    }
  });

  it('holds maxClients: exactly that many are greeted, the rest get 421 and are closed', async () => {
    const MAX = 20;
    const limited = await startRecordingInbox({ maxClients: MAX });
    try {
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, limited.server.connections)), 5);
      const sessions = await Promise.all(Array.from({ length: 50 }, () => RawSession.connect(limited.port)));
      await sleep(100);
      clearInterval(sampler);
      const greetings = sessions.map((s) => s.replies().codes[0]);
      expect(greetings.filter((c) => c === 220)).toHaveLength(MAX);
      expect(greetings.filter((c) => c === 421)).toHaveLength(50 - MAX);
      expect(limited.server.connections).toBe(MAX);
      for (const session of sessions) session.destroy();
      await waitFor(() => limited.server.connections === 0);
      figures.maxClients = { maxClients: MAX, tried: 50, greeted: MAX, refused421: 50 - MAX, peakCounted: peak };
    } finally {
      await limited.close();
    }
  });

  describe('a flood of connections from loopback (FUMI_FLOOD_CONNECTIONS)', () => {
    const FLOOD = countFromEnv('FUMI_FLOOD_CONNECTIONS', 2000);

    /** Opens `count` connections, 200 at a time (the listen backlog is 511), from 127.0.0.2-127.0.0.9. */
    const flood = (port: number, count: number) =>
      runPool(count, 200, (i) => RawSession.connect(port, { localAddress: `127.0.0.${2 + (i % 8)}`, timeout: 20_000 }));

    async function deliver(port: number): Promise<{ ok: boolean; ms: number }> {
      const started = performance.now();
      const client = await SmtpTestClient.connect(port);
      const { data } = await client.sendMail({ from: 'good@ok.test', to: 'rcpt@ok.test', body: 'Subject: through\r\n\r\nhi\r\n' });
      await client.quit();
      return { ok: data?.code === 250, ms: Math.round(performance.now() - started) };
    }

    it(`keeps serving a well-behaved client while ${FLOOD} connections sit open`, async () => {
      const server = await startRecordingInbox({ socketTimeout: 60_000 });
      try {
        const started = performance.now();
        const sessions = await flood(server.port, FLOOD);
        const openMs = Math.round(performance.now() - started);
        expect(sessions.every((s) => s.replies().codes[0] === 220)).toBe(true);
        expect(server.server.connections).toBe(FLOOD);
        const during = await deliver(server.port);
        expect(during.ok).toBe(true);
        for (const session of sessions) session.destroy();
        await waitFor(() => server.server.connections === 0, 20_000);
        figures.flood = { connections: FLOOD, openedInMs: openMs, goodClientDuringMs: during.ms, connectionsAfter: server.server.connections };
      } finally {
        await server.close();
      }
    }, 60_000 + FLOOD * 10);

    it(`with maxClients 100, a client that retries on 421 gets through once idle flooders time out`, async () => {
      const server = await startRecordingInbox({ maxClients: 100, socketTimeout: 1000 });
      try {
        // smtp-server adds a connection and refuses it past maxClients in one go, so a sampler
        // sees the count of connections actually served
        let peak = 0;
        const sampler = setInterval(() => (peak = Math.max(peak, server.server.connections)), 2);
        const sessions = await flood(server.port, FLOOD);
        clearInterval(sampler);
        const greetings = sessions.map((s) => s.replies());
        const greeted = greetings.filter((r) => r.codes[0] === 220).length;
        const refused = greetings.filter((r) => r.codes[0] === 421 && /Too many connected clients/.test(r.texts[0]!)).length;
        expect(peak).toBeLessThanOrEqual(100);
        // slots freed by idle timeouts while the flood was still opening are taken by later flooders
        expect(greeted).toBeGreaterThanOrEqual(100);
        expect(greeted + refused).toBe(FLOOD);
        const started = performance.now();
        let attempts = 0;
        let delivered = false;
        // bounded: 40 tries, 250 ms apart, well past the 1 s idle timeout that frees the slots
        while (!delivered && attempts < 40) {
          attempts++;
          delivered = await deliver(server.port).then((r) => r.ok, () => false);
          if (!delivered) await sleep(250);
        }
        expect(delivered).toBe(true);
        for (const session of sessions) session.destroy();
        await waitFor(() => server.server.connections === 0, 20_000);
        figures.floodMaxClients = {
          connections: FLOOD,
          maxClients: 100,
          peakServed: peak,
          greeted,
          refused,
          goodClientAttempts: attempts,
          deliveredAfterMs: Math.round(performance.now() - started),
        };
      } finally {
        await server.close();
      }
    }, 60_000 + FLOOD * 10);
  });
});
