import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FumiServer } from 'nestjs-fumi';
import { SmtpTestClient } from 'nestjs-fumi/testing';
import { createTransport } from 'nodemailer';
import { AppModule } from './../src/app.module';
import { MailStore } from './../src/mail/mail-store';
import { waitFor } from './wait-for';

describe('SMTP handlers (e2e)', () => {
  let app: INestApplication;
  let store: MailStore;
  let port: number;

  beforeEach(async () => {
    const moduleFixture = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();
    app = moduleFixture.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    store = app.get(MailStore);
    port = app.get(FumiServer).address().port;
  });

  afterEach(async () => {
    await app.close();
  });

  /** A real SMTP client: one connection per message, no STARTTLS offered here. */
  const transport = () =>
    createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      ignoreTLS: true,
    });

  it('hands a message sent by nodemailer to the data handler', async () => {
    const info = await transport().sendMail({
      from: 'alice@sender.test',
      to: ['Bob@example.test', 'carol@example.test'],
      subject: 'Quarterly figures',
      text: 'They are up.',
    });

    expect(info.response).toMatch(/^250 /);
    expect(info.accepted).toEqual(['Bob@example.test', 'carol@example.test']);
    expect(store.messages).toEqual([
      expect.objectContaining({
        sender: 'alice@sender.test',
        recipients: ['bob@example.test', 'carol@example.test'],
        subject: 'Quarterly figures',
        text: 'They are up.',
      }),
    ]);
  });

  it('refuses a blocked sender domain with 550 through the guard', async () => {
    const client = await SmtpTestClient.connect(port);
    const replies = await client.sendMail({
      from: 'offer@blocked.test',
      to: 'bob@example.test',
      body: 'Subject: Buy now\r\n\r\nCheap.\r\n',
    });
    await client.quit();

    expect(replies.mailFrom).toMatchObject({
      code: 550,
      enhancedCode: '5.7.1',
      message: 'Sender domain blocked',
    });
    expect(replies.data).toBeUndefined();
    await expect(
      transport().sendMail({
        from: 'other@blocked.test',
        to: 'bob@example.test',
        text: 'Cheap.',
      }),
    ).rejects.toMatchObject({ responseCode: 550 });
    expect(store.messages).toEqual([]);
  });

  it('lower-cases recipients and refuses foreign domains through the pipe', async () => {
    const client = await SmtpTestClient.connect(port);
    const replies = await client.sendMail({
      from: 'alice@sender.test',
      to: ['someone@elsewhere.test', 'Dave@EXAMPLE.test'],
      body: 'Subject: Two of them\r\n\r\nOnly one is ours.\r\n',
    });
    await client.quit();

    expect(replies.rcptTo.map((reply) => reply.code)).toEqual([550, 250]);
    expect(replies.rcptTo[0].text).toContain(
      'someone@elsewhere.test is not a mailbox of example.test',
    );
    expect(replies.data?.code).toBe(250);
    expect(store.messages).toEqual([
      expect.objectContaining({
        recipients: ['dave@example.test'],
        subject: 'Two of them',
        text: 'Only one is ours.',
      }),
    ]);
  });

  it('gives each connection one request-scoped instance, shared by its phases, and tags each transaction', async () => {
    const client = await SmtpTestClient.connect(port);
    for (const subject of ['First', 'Second']) {
      const replies = await client.sendMail({
        from: 'alice@sender.test',
        to: 'bob@example.test',
        body: `Subject: ${subject}\r\n\r\nHello.\r\n`,
      });
      expect(replies.data?.code).toBe(250);
    }
    await client.quit();
    await transport().sendMail({
      from: 'carol@sender.test',
      to: 'bob@example.test',
      subject: 'Third',
      text: 'Hi.',
    });
    await waitFor(
      () => store.calls.filter((call) => call.phase === 'close').length === 2,
    );

    const sessions = [...new Set(store.calls.map((call) => call.session))];
    expect(sessions).toHaveLength(2);
    const instances = sessions.map((session) => {
      const calls = store.calls.filter((call) => call.session === session);
      expect(new Set(calls.map((call) => call.instance)).size).toBe(1);
      return calls[0].instance;
    });
    expect(instances[0]).not.toBe(instances[1]);
    expect(
      store.calls
        .filter((call) => call.session === sessions[0])
        .map((call) => call.phase),
    ).toEqual([
      'connect',
      'mailFrom',
      'rcptTo',
      'data',
      'mailFrom',
      'rcptTo',
      'data',
      'close',
    ]);

    const [first, second, third] = store.messages;
    expect([first.connection, second.connection, third.connection]).toEqual([
      instances[0],
      instances[0],
      instances[1],
    ]);
    expect([first.tag, second.tag, third.tag]).toEqual([
      `${sessions[0]}#1`,
      `${sessions[0]}#2`,
      `${sessions[1]}#1`,
    ]);
    expect(store.completed).toEqual([first.tag, second.tag, third.tag]);
  });

  it('loads the CommonJS build of nestjs-fumi and nothing of its ESM build', () => {
    expect(require.resolve('nestjs-fumi')).toMatch(
      /\/node_modules\/nestjs-fumi\/dist\/cjs\/index\.js$/,
    );
    expect(require.resolve('nestjs-fumi/testing')).toMatch(
      /\/node_modules\/nestjs-fumi\/dist\/cjs\/testing\/index\.js$/,
    );
    // jest's require.cache lists every module this file loaded, ESM ones (require(esm)) too
    const loaded = Object.keys(require.cache).filter((path) =>
      path.includes('/node_modules/nestjs-fumi/dist/'),
    );
    expect(loaded).toContainEqual(
      expect.stringMatching(/\/dist\/cjs\/testing\/index\.js$/),
    );
    expect(
      loaded.filter((path) => !path.includes('/nestjs-fumi/dist/cjs/')),
    ).toEqual([]);
  });
});
