import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Ctx, DataContext, MailFromContext, OnData, OnMailFrom } from '../../lib/index.js';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { RawSession } from './support/raw-session.js';
import { startRecordingInbox, type RecordingInboxApp } from './support/recording-inbox.js';

/** Scaled down from 60 s: a line must be complete within a second of its first byte. */
const LINE_TIMEOUT = 1000;
/** Long enough that the idle timeout never decides these tests. */
const IDLE_TIMEOUT = 10_000;

/** Sends `bytes` one at a time, `everyMs` apart, until the connection closes or `limitMs` passes. */
async function drip(session: RawSession, bytes: string, everyMs: number, limitMs: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < bytes.length && !session.isClosed && performance.now() - started < limitMs; i++) {
    session.write(bytes[i]!);
    await sleep(everyMs);
  }
  return Math.round(performance.now() - started);
}

describe('reliability: slow senders', () => {
  let app: RecordingInboxApp | RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('cuts a command line trickled a byte at a time at commandLineTimeout, whatever the idle timeout', async () => {
    app = await startRecordingInbox({ commandLineTimeout: LINE_TIMEOUT, socketTimeout: IDLE_TIMEOUT, maxSessionDuration: false });
    const session = await RawSession.connect(app.port);
    await session.waitForReplies(1);
    const ms = await drip(session, `EHLO ${'a'.repeat(60)}.test\r\n`, 100, 6000);
    const { codes, texts } = session.replies();
    expect(codes).toEqual([220, 421]);
    expect(texts[1]).toBe('4.4.2 Command line not completed in time, closing connection');
    expect(ms).toBeLessThan(LINE_TIMEOUT * 3); // the line itself would take over 6 s
  });

  it('leaves the same client alone with commandLineTimeout: false', async () => {
    app = await startRecordingInbox({ commandLineTimeout: false, socketTimeout: IDLE_TIMEOUT, maxSessionDuration: false });
    const session = await RawSession.connect(app.port);
    await session.waitForReplies(1);
    await drip(session, `EHLO ${'a'.repeat(60)}.test\r\n`, 100, LINE_TIMEOUT * 2.5);
    expect(session.isClosed).toBe(false);
    expect(session.replies().codes).toEqual([220]);
    session.destroy();
  });

  it('does not count the time a handler holds the client back', async () => {
    @Injectable()
    class SlowSender {
      @OnMailFrom() async check(@Ctx() _ctx: MailFromContext) {
        await sleep(LINE_TIMEOUT * 1.5);
      }
    }
    app = await startApp({ providers: [SlowSender] }, { commandLineTimeout: LINE_TIMEOUT, socketTimeout: IDLE_TIMEOUT });
    const session = await RawSession.connect(app.port);
    await session.waitForReplies(1);
    // the second line's first half waits behind the slow MAIL FROM, then its end comes at once
    session.write('EHLO client.test\r\nMAIL FROM:<a@ok.test>\r\nRCPT TO:<b@');
    await session.waitForReplies(3, LINE_TIMEOUT * 5);
    session.write('ok.test>\r\n');
    const { codes } = await session.waitForReplies(4);
    expect(codes).toEqual([220, 250, 250, 250]);
    session.destroy();
  });

  it('cuts a message sent below minDataRate: 421 4.4.2, nothing stored', async () => {
    const inbox = await startRecordingInbox({ minDataRate: 2000, dataRateAllowance: 2000, socketTimeout: IDLE_TIMEOUT, maxSessionDuration: false });
    app = inbox;
    const session = await RawSession.connect(inbox.port);
    session.write('EHLO slow.test\r\nMAIL FROM:<slow@ok.test>\r\nRCPT TO:<rcpt@ok.test>\r\nDATA\r\n');
    expect((await session.waitForReplies(5)).codes).toEqual([220, 250, 250, 250, 354]);
    const started = performance.now();
    // 100 bytes every 200 ms: 500 bytes a second, 0.75 s behind each second, so the 2 s allowance is gone in under 3 s
    for (let i = 0; i < 40 && !session.isClosed; i++) {
      session.write(`${'x'.repeat(98)}\r\n`);
      await sleep(200);
    }
    const { codes, texts } = session.replies();
    expect(codes.at(-1)).toBe(421);
    expect(texts.at(-1)).toBe('4.4.2 Message data too slow, closing connection');
    expect(performance.now() - started).toBeLessThan(6000);
    expect(inbox.mailbox.messages).toEqual([]);
  });

  it('lets a client pause mid-message for less than dataRateAllowance, as Postfix does', async () => {
    const inbox = await startRecordingInbox({ minDataRate: 500, dataRateAllowance: 6000, socketTimeout: IDLE_TIMEOUT });
    app = inbox;
    const session = await RawSession.connect(inbox.port);
    session.write('EHLO pause.test\r\nMAIL FROM:<p@ok.test>\r\nRCPT TO:<rcpt@ok.test>\r\nDATA\r\nSubject: paused\r\n\r\nfirst part\r\n');
    expect((await session.waitForReplies(5)).codes).toEqual([220, 250, 250, 250, 354]);
    // a few bytes, then 3 s of nothing: far below 500 bytes a second over those seconds
    await sleep(3000);
    session.write('second part\r\n.\r\n');
    const { codes } = await session.waitForReplies(6);
    expect(codes.at(-1)).toBe(250);
    session.destroy();
  });

  it('starts the rate afresh for a message whose DATA came in the chunk that ended the one before (pipelining)', async () => {
    const inbox = await startRecordingInbox({ minDataRate: 500, dataRateAllowance: 6000, socketTimeout: IDLE_TIMEOUT });
    app = inbox;
    const session = await RawSession.connect(inbox.port);
    const line = `${'p'.repeat(78)}\r\n`;
    session.write(`EHLO pipe.test\r\nMAIL FROM:<p@ok.test>\r\nRCPT TO:<rcpt@ok.test>\r\nDATA\r\n`);
    expect((await session.waitForReplies(5)).codes).toEqual([220, 250, 250, 250, 354]);
    // 100 KB over more than one rate check, then its end and the next DATA in one write
    session.write(`Subject: first\r\n\r\n${line.repeat(640)}`);
    await sleep(400);
    session.write(`${line.repeat(640)}.\r\nMAIL FROM:<p@ok.test>\r\nRCPT TO:<rcpt@ok.test>\r\nDATA\r\n`);
    expect((await session.waitForReplies(9)).codes.slice(5)).toEqual([250, 250, 250, 354]);
    // the second message is small and a second late: well within 500 B/s and the allowance
    await sleep(1000);
    session.write('Subject: second\r\n\r\nsmall\r\n.\r\n');
    expect((await session.waitForReplies(10)).codes.at(-1)).toBe(250);
    session.destroy();
  });

  it('does not count the time the event loop was held up (a handler busy on the CPU) against the client', async () => {
    @Injectable()
    class BusyHandler {
      @OnData() async store(@Ctx() ctx: DataContext) {
        let first = true;
        for await (const _chunk of ctx.stream) {
          if (!first) continue;
          first = false;
          const until = performance.now() + 1500;
          while (performance.now() < until); // synchronous work: nothing else runs, the client's bytes wait unread
        }
      }
    }
    // 10,000 bytes a second: over the 1.5 s held up, the few bytes of the first line would be far too few
    app = await startApp({ providers: [BusyHandler] }, { minDataRate: 10_000, dataRateAllowance: 1000, socketTimeout: IDLE_TIMEOUT });
    const session = await RawSession.connect(app.port);
    session.write('EHLO busy.test\r\nMAIL FROM:<a@ok.test>\r\nRCPT TO:<b@ok.test>\r\nDATA\r\n');
    expect((await session.waitForReplies(5)).codes).toEqual([220, 250, 250, 250, 354]);
    session.write('Subject: held up\r\n\r\n');
    await sleep(300); // the handler is busy now
    session.write(`${'z'.repeat(20_000)}\r\n.\r\n`);
    const { codes } = await session.waitForReplies(6, 10_000);
    expect(codes.at(-1)).toBe(250);
    session.destroy();
  });

  it('does not count the time the spool holds a fast client back for a slow reader', async () => {
    const bodies: number[] = [];
    @Injectable()
    class SlowReader {
      @OnData() async store(@Ctx() ctx: DataContext) {
        const stream = ctx.stream; // opened now, read late: the client is held back meanwhile
        await sleep(3000);
        let bytes = 0;
        for await (const chunk of stream) bytes += (chunk as Buffer).length;
        bodies.push(bytes);
      }
    }
    // 3 MB a second over 3 s held back would be 9 MB: more than the 4 MB sent
    app = await startApp(
      { providers: [SlowReader] },
      { minDataRate: 3_000_000, dataRateAllowance: 1000, spoolDirectory: false, socketTimeout: IDLE_TIMEOUT },
    );
    const client = await SmtpTestClient.connect(app.port, { timeout: 20_000 });
    await client.ehlo();
    const body = `Subject: large\r\n\r\n${`${'y'.repeat(998)}\r\n`.repeat(4000)}`;
    const result = await client.sendMail({ from: 'a@ok.test', to: ['b@ok.test'], body });
    expect(result.data?.code).toBe(250);
    expect(bodies).toEqual([Buffer.byteLength(body)]);
    await client.quit();
  });
});
