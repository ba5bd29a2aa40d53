import { Injectable } from '@nestjs/common';
import { AuthContext, Ctx, OnAuth } from '../../lib/index.js';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { RawSession } from './support/raw-session.js';
import { startRecordingInbox, type RecordingInboxApp } from './support/recording-inbox.js';

/** Bytes a command line carries as they are, not as a string would encode them. */
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));

describe('reliability: address bytes and SMTPUTF8 (RFC 6531)', () => {
  let inbox: RecordingInboxApp;
  beforeAll(async () => {
    inbox = await startRecordingInbox();
  });
  afterAll(() => inbox.close());

  /** The replies to `lines` sent one by one after EHLO. */
  async function converse(...lines: Buffer[]): Promise<string[]> {
    const session = await RawSession.connect(inbox.port);
    session.write('EHLO client.test\r\n');
    await session.waitForReplies(2);
    for (const [i, line] of lines.entries()) {
      session.write(Buffer.concat([line, Buffer.from('\r\n')]));
      await session.waitForReplies(3 + i);
    }
    const { codes, texts } = session.replies();
    session.destroy();
    return codes.slice(2).map((code, i) => `${code} ${texts[i + 2]}`);
  }

  it('refuses a sender whose bytes are not UTF-8 with 501 5.1.7, and stores nothing', async () => {
    const before = inbox.mailbox.senders.length;
    const replies = await converse(bytes('MAIL FROM:<', [0xff, 0xfe, 0xc3], '(@elsewhere.test>'));
    expect(replies).toEqual(['501 5.1.7 Sender address is not valid UTF-8']);
    expect(inbox.mailbox.senders.length).toBe(before);
  });

  it('refuses a recipient whose bytes are not UTF-8 with 501 5.1.3', async () => {
    const replies = await converse(bytes('MAIL FROM:<a@ok.test>'), bytes('RCPT TO:<', [0xc3, 0x28], '@ok.test>'));
    expect(replies).toEqual(['250 2.1.0 Accepted', '501 5.1.3 Recipient address is not valid UTF-8']);
  });

  it('refuses non-ASCII addresses with 553 5.6.7 when MAIL FROM did not ask for SMTPUTF8', async () => {
    const sender = await converse(Buffer.from('MAIL FROM:<jöran@ok.test>', 'utf8'));
    expect(sender).toEqual(['553 5.6.7 Non-ASCII addresses require SMTPUTF8']);
    const recipient = await converse(Buffer.from('MAIL FROM:<a@ok.test>'), Buffer.from('RCPT TO:<jöran@ok.test>', 'utf8'));
    expect(recipient).toEqual(['250 2.1.0 Accepted', '553 5.6.7 Non-ASCII addresses require SMTPUTF8']);
  });

  it('accepts UTF-8 addresses in a transaction with SMTPUTF8, and delivers the message', async () => {
    const client = await SmtpTestClient.connect(inbox.port);
    await client.ehlo();
    expect((await client.send('MAIL FROM:<jöran@ok.test> SMTPUTF8')).code).toBe(250);
    expect((await client.send('RCPT TO:<用户@例子.test>')).code).toBe(250);
    expect((await client.data('Subject: utf8\r\n\r\nhi\r\n')).code).toBe(250);
    // the next transaction without SMTPUTF8 is held to ASCII again
    expect((await client.send('MAIL FROM:<a@ok.test>')).code).toBe(250);
    expect((await client.send('RCPT TO:<用户@例子.test>')).code).toBe(553);
    await client.quit();
    expect(inbox.mailbox.messages.at(-1)).toMatchObject({ from: 'jöran@ok.test', to: ['用户@例子.test'] });
  });
});

describe('AUTH over cleartext with allowInsecureAuth', () => {
  @Injectable()
  class Logins {
    @OnAuth() login(@Ctx() ctx: AuthContext) {
      ctx.accept(ctx.credentials.username);
    }
  }
  let app: RunningApp | undefined;
  afterEach(() => app?.close());

  it('is advertised in cleartext, where the option allows it', async () => {
    app = await startApp({ providers: [Logins] }, { allowInsecureAuth: true, authMethods: ['PLAIN'] });
    const client = await SmtpTestClient.connect(app.port);
    expect((await client.ehlo()).lines).toContain('AUTH PLAIN');
    await client.quit();
  });
});
