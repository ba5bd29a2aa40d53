import { Injectable } from '@nestjs/common';
import { Ctx, DataContext, OnData } from '../lib/index.js';
import { FumiRspamdModule, SpamResult, type RspamdResult } from '../lib/rspamd/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { startRspamdFront, type RspamdFront } from './support/rspamd-front.js';
import { boot, deliveries, scanned, send } from './support/rspamd-mail.js';
import { GTUBE, RSPAMD_MARKS, startRspamd, type TestRspamd } from './support/rspamd-server.js';

/** rspamd stopped, hanging, answering garbage, and the circuit breaker, over a socket. */
beforeEach(() => {
  deliveries.length = 0;
});
const UNAVAILABLE = '451 4.7.1 Spam filter unavailable, try again later';

/** Without a spool file: a handler that reads the whole message before the scan, and one after it that only looks at the result. */
const archived: { bytes: number; result: RspamdResult | undefined }[] = [];
@Injectable()
class Archive {
  private readonly bytes = new WeakMap<DataContext, number>();

  @OnData({ priority: 2000 }) async store(@Ctx() ctx: DataContext) {
    this.bytes.set(ctx, (await ctx.buffer()).length);
  }

  @OnData() record(@Ctx() ctx: DataContext, @SpamResult() result: RspamdResult | undefined) {
    archived.push({ bytes: this.bytes.get(ctx) ?? -1, result });
  }
}

describe('nestjs-fumi/rspamd when rspamd cannot answer', () => {
  let rspamd: TestRspamd;
  let front: RspamdFront | undefined;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    rspamd = await startRspamd();
  }, 90_000);

  afterEach(async () => {
    await running?.close();
    await front?.close();
    running = front = undefined;
  });

  afterAll(async () => {
    await rspamd?.stop();
  });

  it('answers 451 4.7.1 when rspamd is stopped', async () => {
    const stopped = await startRspamd();
    running = await boot(FumiRspamdModule.forRoot({ url: stopped.url }));
    expect((await send(running.port, { subject: 'before' })).code).toBe(250);
    await stopped.stop();
    const sent = await send(running.port, { subject: 'after' });
    expect(sent.response).toBe(UNAVAILABLE);
    expect(deliveries.map((delivery) => delivery.subject)).toEqual(['before']);
  }, 90_000);

  it('takes the timeout path when rspamd hangs (SIGSTOP): 451 once the budget is spent, or accepted and tagged', async () => {
    running = await boot(FumiRspamdModule.forRoot({ url: rspamd.url, timeout: 700, circuitBreaker: false }));
    const accepting = await boot(FumiRspamdModule.forRoot({ url: rspamd.url, timeout: 700, onFailure: 'accept' }));
    rspamd.pause();
    try {
      const refused = await send(running.port, { subject: 'while paused' });
      expect(refused.response).toBe(UNAVAILABLE);
      expect(refused.ms).toBeGreaterThanOrEqual(700);
      expect(refused.ms).toBeLessThan(5_000);
      const accepted = await send(accepting.port, { subject: 'while paused, accepted' });
      expect(accepted.code).toBe(250);
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]!.result).toEqual({
        scanned: false,
        reason: 'timeout',
        detail: 'no answer within 700 ms',
        headers: { 'X-Spam-Status': 'Unknown, not scanned (timeout)' },
      });
    } finally {
      rspamd.resume();
      await accepting.close();
    }
    // once it runs again, messages are scanned again
    expect((await send(running.port, { subject: `again ${RSPAMD_MARKS.greylist}` })).response).toBe('451 4.7.1 Greylisted, try again later');
  });

  it('sends a message once more, on a new connection, when the kept-alive connection it went on is closed under it', async () => {
    front = await startRspamdFront(rspamd.url);
    running = await boot(FumiRspamdModule.forRoot({ url: front.url }));
    expect((await send(running.port, { subject: 'opens the connection' })).code).toBe(250);
    front.mode = { kind: 'reset', connections: 'reused' };
    const sent = await send(running.port, { subject: `reuses it ${RSPAMD_MARKS.addHeader}` });
    expect(sent.code).toBe(250);
    expect(scanned(deliveries.at(-1)?.result).action).toBe('add header');
    // the reused connection was closed as the request came, and the request went again on a new one
    expect([front.requests, front.resets]).toEqual([3, 1]);
  });

  it('sends it once more only: not after a new connection is closed, nor a second time', async () => {
    front = await startRspamdFront(rspamd.url, { kind: 'reset', connections: 'all' });
    running = await boot(FumiRspamdModule.forRoot({ url: front.url, circuitBreaker: false }));
    expect((await send(running.port, { subject: 'new connection' })).response).toBe(UNAVAILABLE);
    expect([front.requests, front.resets]).toEqual([1, 1]);
    front.mode = { kind: 'forward' };
    expect((await send(running.port, { subject: 'kept alive' })).code).toBe(250);
    front.mode = { kind: 'reset', connections: 'all' };
    expect((await send(running.port, { subject: 'reused, then new' })).response).toBe(UNAVAILABLE);
    expect([front.requests, front.resets]).toEqual([4, 3]);
  });

  it('accepts a message over maxSize without asking rspamd, GTUBE or not', async () => {
    front = await startRspamdFront(rspamd.url);
    running = await boot(FumiRspamdModule.forRoot({ url: front.url, maxSize: 1_000 }));
    expect((await send(running.port, { subject: 'small', text: GTUBE })).code).toBe(550);
    expect((await send(running.port, { subject: 'large', text: `${GTUBE}\r\n${'filler line\r\n'.repeat(100)}` })).code).toBe(250);
    expect(front.requests).toBe(1);
    expect(deliveries[0]!.result).toMatchObject({ scanned: false, reason: 'too-large', headers: { 'X-Spam-Status': 'Unknown, not scanned (too-large)' } });
  });

  it('accepts unscanned, never 451, a message over spoolThreshold that a handler before the scan read, without a spool file', async () => {
    archived.length = 0;
    front = await startRspamdFront(rspamd.url);
    running = await startApp(
      { imports: [FumiRspamdModule.forRoot({ url: front.url })], providers: [Archive] },
      { spoolDirectory: false, spoolThreshold: 1_024 },
    );
    // under the threshold memory still has it all: scanned
    expect((await send(running.port, { subject: 'small', text: GTUBE })).code).toBe(550);
    const large = await send(running.port, { subject: 'large', text: `${GTUBE}\r\n${'filler line\r\n'.repeat(400)}` });
    expect(large.code).toBe(250);
    expect(front.requests).toBe(1);
    expect(archived).toHaveLength(1);
    expect(archived[0]!.bytes).toBeGreaterThan(1_024);
    expect(archived[0]!.result).toEqual({
      scanned: false,
      reason: 'too-large',
      detail: `${archived[0]!.bytes} bytes, over spoolThreshold with spoolDirectory: false: its first bytes were read and let go before they could be sent to rspamd`,
      headers: { 'X-Spam-Status': 'Unknown, not scanned (too-large)' },
    });
  });

  it.each([
    ['not JSON', 200, '<html>502 Bad Gateway</html>', 'answer is not JSON'],
    ['JSON without an action', 200, '{"score": 1}', 'answer has no valid "action"'],
    ['an action rspamd does not have', 200, '{"action": "quarantine", "score": 1, "required_score": 15}', 'answer has no valid "action"'],
    ['an error', 200, '{"error": "Message is too large"}', 'rspamd answered an error'],
    ['HTTP 500', 500, '{"error": "internal"}', 'HTTP status 500'],
  ])('answers 451 when rspamd answers %s, or accepts it tagged', async (_what, status, body, detail) => {
    front = await startRspamdFront(rspamd.url, { kind: 'answer', status, body });
    running = await boot(FumiRspamdModule.forRoot({ url: front.url, circuitBreaker: false }));
    const accepting = await boot(FumiRspamdModule.forRoot({ url: front.url, onFailure: 'accept' }));
    try {
      expect((await send(running.port, { subject: 'garbled' })).response).toBe(UNAVAILABLE);
      expect((await send(accepting.port, { subject: 'garbled, accepted' })).code).toBe(250);
    } finally {
      await accepting.close();
    }
    expect(front.requests).toBe(2);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.result).toMatchObject({ scanned: false, reason: 'bad-answer', detail: expect.stringContaining(detail) });
    // the body went whole, with its length up front: not chunked
    expect(front.last!.headers['content-length']).toBe(String(deliveries[0]!.bytes));
    expect(front.last!.headers['transfer-encoding']).toBeUndefined();
    expect(front.last!.bodyBytes).toBe(deliveries[0]!.bytes);
  });

  it('opens the circuit after failures in a row, answers at once while open, and closes it once rspamd answers', async () => {
    front = await startRspamdFront(rspamd.url, { kind: 'stall' });
    const timeout = 1_500;
    running = await boot(FumiRspamdModule.forRoot({ url: front.url, timeout, circuitBreaker: { failures: 2, resetAfter: 3_000 } }));

    for (const subject of ['first', 'second']) {
      const sent = await send(running.port, { subject });
      expect([sent.response, sent.ms >= timeout]).toEqual([UNAVAILABLE, true]);
    }
    expect(front.requests).toBe(2);

    // open: rspamd is not asked, so the client is not held for the timeout (a loose bound: a busy machine is slow)
    const whileOpen = await send(running.port, { subject: 'third' });
    expect(whileOpen.response).toBe(UNAVAILABLE);
    expect(front.requests).toBe(2);
    expect(whileOpen.ms).toBeLessThan(timeout);

    // after resetAfter one message tries; rspamd (through the front) answers, and the circuit closes
    front.mode = { kind: 'forward' };
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    const trial = await send(running.port, { subject: `trial ${RSPAMD_MARKS.addHeader}` });
    expect(trial.code).toBe(250);
    expect(scanned(deliveries.at(-1)?.result).action).toBe('add header');
    const closed = await send(running.port, { subject: 'closed again' });
    expect(closed.code).toBe(250);
    expect(scanned(deliveries.at(-1)?.result).action).toBe('no action');
    expect(front.requests).toBe(4);
  });
});
