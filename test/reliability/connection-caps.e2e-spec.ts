import { Injectable } from '@nestjs/common';
import { Ctx, OnRcptTo, RcptToContext } from '../../lib/index.js';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { startRecordingInbox, type RecordingInboxApp } from './support/recording-inbox.js';

/** Knows only `known@` recipients, as an MX with a user list does. */
@Injectable()
class KnownRecipients {
  @OnRcptTo() recipient(@Ctx() ctx: RcptToContext) {
    if (!ctx.address.address.startsWith('known@')) ctx.reject('No such user here', 550, '5.1.1');
  }
}

const message = (i: number) => `Subject: message ${i}\r\n\r\nbody ${i}\r\n`;

describe('reliability: per-connection caps a legitimate relay never meets', () => {
  let app: RecordingInboxApp | RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('takes 500 messages on one connection with the defaults', async () => {
    const inbox = await startRecordingInbox();
    app = inbox;
    const client = await SmtpTestClient.connect(inbox.port, { timeout: 30_000 });
    await client.ehlo('relay.test');
    for (let i = 0; i < 500; i++) {
      const result = await client.sendMail({ from: 'relay@sender.test', to: ['rcpt@ok.test'], body: message(i) });
      expect([result.mailFrom.code, result.rcptTo[0]!.code, result.data?.code]).toEqual([250, 250, 250]);
    }
    expect(client.isClosed).toBe(false);
    await client.quit();
    expect(inbox.mailbox.messages).toHaveLength(500);
  });

  it('answers the MAIL FROM after maxMessages with 421 4.7.0 and closes', async () => {
    const inbox = await startRecordingInbox({ maxMessages: 3 });
    app = inbox;
    const client = await SmtpTestClient.connect(inbox.port);
    await client.ehlo('relay.test');
    for (let i = 0; i < 3; i++) {
      expect((await client.sendMail({ from: 'a@ok.test', to: ['b@ok.test'], body: message(i) })).data?.code).toBe(250);
    }
    expect(await client.send('MAIL FROM:<a@ok.test>')).toMatchObject({
      code: 421,
      enhancedCode: '4.7.0',
      message: 'Too many messages in one session, closing connection',
    });
    await client.closed;
    expect(inbox.mailbox.messages).toHaveLength(3);
  });

  it('cuts commands that move no mail at maxJunkCommands, counted again from each MAIL FROM', async () => {
    const inbox = await startRecordingInbox({ maxJunkCommands: 5 });
    app = inbox;
    const client = await SmtpTestClient.connect(inbox.port);
    // two greetings are free; NOOP, RSET, VRFY, HELP and unknown verbs are junk
    const first = await client.pipeline(['EHLO a.test', 'EHLO a.test', 'NOOP', 'RSET', 'VRFY x', 'HELP', 'XYZZY']);
    expect(first.map((r) => r.code)).toEqual([250, 250, 250, 250, 252, 214, 500]);
    expect((await client.send('MAIL FROM:<a@ok.test>')).code).toBe(250);
    const second = await client.pipeline(['NOOP', 'NOOP', 'NOOP', 'NOOP', 'RSET']);
    expect(second.map((r) => r.code)).toEqual([250, 250, 250, 250, 250]);
    expect(await client.send('NOOP')).toMatchObject({
      code: 421,
      enhancedCode: '4.7.0',
      message: 'Too many commands that move no mail, closing connection',
    });
    await client.closed;
  });

  it('counts a third greeting as junk', async () => {
    const inbox = await startRecordingInbox({ maxJunkCommands: 1 });
    app = inbox;
    const client = await SmtpTestClient.connect(inbox.port);
    const replies = await client.pipeline(['EHLO a.test', 'EHLO a.test', 'EHLO a.test']);
    expect(replies.map((r) => r.code)).toEqual([250, 250, 250]);
    expect((await client.send('EHLO a.test')).code).toBe(421);
    await client.closed;
  });

  it('cuts a recipient harvest at maxHardErrors (default 20): the 20th refusal is followed by 421', async () => {
    app = await startApp({ providers: [KnownRecipients] });
    const client = await SmtpTestClient.connect(app.port);
    await client.ehlo('harvest.test');
    expect((await client.send('MAIL FROM:<h@harvest.test>')).code).toBe(250);
    client.write(Array.from({ length: 30 }, (_, i) => `RCPT TO:<guess${i}@ok.test>\r\n`).join(''));
    const codes: number[] = [];
    for (;;) {
      const reply = await client.read().catch(() => undefined);
      if (!reply) break;
      codes.push(reply.code);
    }
    expect(codes).toEqual([...Array<number>(20).fill(550), 421]);
    await client.closed;
  });

  it('starts the error count again once a message is accepted', async () => {
    app = await startApp({ providers: [KnownRecipients] }, { maxHardErrors: 3 });
    const client = await SmtpTestClient.connect(app.port);
    await client.ehlo('relay.test');
    for (let round = 0; round < 3; round++) {
      const result = await client.sendMail({ from: 'a@ok.test', to: ['typo1@ok.test', 'typo2@ok.test', 'known@ok.test'], body: message(round) });
      expect(result.rcptTo.map((r) => r.code)).toEqual([550, 550, 250]);
      expect(result.data?.code).toBe(250);
    }
    expect(client.isClosed).toBe(false);
    await client.quit();
  });
});
