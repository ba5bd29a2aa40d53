import { FumiRspamdModule } from '../lib/rspamd/index.js';
import type { RunningApp } from './support/app.js';
import { startRspamdFront, type RspamdFront } from './support/rspamd-front.js';
import { boot, deliveries, scanned, send } from './support/rspamd-mail.js';
import { GTUBE, RSPAMD_MARKS, startRspamd, type TestRspamd } from './support/rspamd-server.js';

/** rspamd stopped, hanging, answering garbage, and the circuit breaker, over a socket. */
beforeEach(() => {
  deliveries.length = 0;
});

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
    expect(sent.response).toBe('451 4.7.1 Spam filter unavailable, try again later');
    expect(deliveries.map((delivery) => delivery.subject)).toEqual(['before']);
  }, 90_000);

  it('takes the timeout path when rspamd hangs (SIGSTOP): 451 once the budget is spent, or accepted and tagged', async () => {
    running = await boot(FumiRspamdModule.forRoot({ url: rspamd.url, timeout: 700, circuitBreaker: false }));
    const accepting = await boot(FumiRspamdModule.forRoot({ url: rspamd.url, timeout: 700, onFailure: 'accept' }));
    rspamd.pause();
    try {
      const refused = await send(running.port, { subject: 'while paused' });
      expect(refused.response).toBe('451 4.7.1 Spam filter unavailable, try again later');
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

  it('accepts a message over maxSize without asking rspamd, GTUBE or not', async () => {
    front = await startRspamdFront(rspamd.url);
    running = await boot(FumiRspamdModule.forRoot({ url: front.url, maxSize: 1_000 }));
    expect((await send(running.port, { subject: 'small', text: GTUBE })).code).toBe(550);
    expect((await send(running.port, { subject: 'large', text: `${GTUBE}\r\n${'filler line\r\n'.repeat(100)}` })).code).toBe(250);
    expect(front.requests).toBe(1);
    expect(deliveries[0]!.result).toMatchObject({ scanned: false, reason: 'too-large', headers: { 'X-Spam-Status': 'Unknown, not scanned (too-large)' } });
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
      expect((await send(running.port, { subject: 'garbled' })).response).toBe('451 4.7.1 Spam filter unavailable, try again later');
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
    running = await boot(FumiRspamdModule.forRoot({ url: front.url, timeout: 400, circuitBreaker: { failures: 2, resetAfter: 1_500 } }));
    const unavailable = '451 4.7.1 Spam filter unavailable, try again later';

    for (const subject of ['first', 'second']) {
      const sent = await send(running.port, { subject });
      expect([sent.response, sent.ms >= 400]).toEqual([unavailable, true]);
    }
    expect(front.requests).toBe(2);

    // open: rspamd is not asked, and the client is not held for the timeout
    const whileOpen = await send(running.port, { subject: 'third' });
    expect(whileOpen.response).toBe(unavailable);
    expect(whileOpen.ms).toBeLessThan(400);
    expect(front.requests).toBe(2);

    // after resetAfter one message tries; rspamd (through the front) answers, and the circuit closes
    front.mode = { kind: 'forward' };
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const trial = await send(running.port, { subject: `trial ${RSPAMD_MARKS.addHeader}` });
    expect(trial.code).toBe(250);
    expect(scanned(deliveries.at(-1)?.result).action).toBe('add header');
    const closed = await send(running.port, { subject: 'closed again' });
    expect(closed.code).toBe(250);
    expect(scanned(deliveries.at(-1)?.result).action).toBe('no action');
    expect(front.requests).toBe(4);
  });
});
