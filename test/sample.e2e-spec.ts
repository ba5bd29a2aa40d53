import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { FumiServer } from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { AppModule } from '../sample/app.module.js';
import { waitFor } from './support/wait-for.js';

/** The sample as `npm start` runs it, on a free port with its own Maildir. */
async function startSample(env: Record<string, string> = {}, prepare?: (maildir: string) => Promise<void>) {
  const maildir = await mkdtemp(join(tmpdir(), 'fumi-sample-'));
  await prepare?.(maildir);
  const saved = { ...process.env };
  Object.assign(process.env, { SMTP_HOST: '127.0.0.1', SMTP_PORT: '0', MAILDIR: maildir, ...env });
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const logs: string[] = [];
    const capture = (level: string) => (message: unknown, context?: unknown) =>
      void logs.push(`[${String(context)}] ${String(message instanceof Error ? message.message : message)}${level === 'log' ? '' : ` (${level})`}`);
    moduleRef.useLogger({ log: capture('log'), warn: capture('warn'), error: capture('error') });
    await moduleRef.init();
    return { app: moduleRef as INestApplicationContext, maildir, logs, port: moduleRef.get(FumiServer).address().port };
  } finally {
    process.env = saved;
  }
}

const plain = (user: string, pass: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`;

const mailbox = async (maildir: string, box: string) => {
  try {
    const dir = join(maildir, box, 'new');
    return await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8')));
  } catch {
    return [];
  }
};

describe('sample: inbound mail service', () => {
  let sample: Awaited<ReturnType<typeof startSample>>;
  beforeEach(async () => {
    sample = await startSample({ MAIL_DOMAINS: 'example.test,example.org', MAX_MESSAGE_SIZE: '100000' });
  });
  afterEach(async () => {
    await sample.app.close();
    await rm(sample.maildir, { recursive: true, force: true });
  });

  it('greets and advertises the extensions a modern MX has', async () => {
    const client = await SmtpTestClient.connect(sample.port);
    expect(client.greeting.code).toBe(220);
    const ehlo = await client.ehlo();
    for (const feature of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'SIZE 100000', 'ENHANCEDSTATUSCODES', 'STARTTLS']) {
      expect(ehlo.lines).toContain(feature);
    }
    expect(await client.send(plain('alice', 'wonderland'))).toMatchObject({ code: 530, enhancedCode: '5.7.0' }); // no AUTH in cleartext
    expect((await client.startTls()).code).toBe(220);
    const secure = await client.ehlo();
    expect(secure.lines).toContain('AUTH LOGIN PLAIN');
    expect(secure.lines).not.toContain('STARTTLS');
    await client.quit();
  });

  it('logs users in after STARTTLS (535 / 235) and lets them send anywhere, kept in outbound', async () => {
    const client = await SmtpTestClient.connect(sample.port);
    await client.ehlo();
    await client.startTls();
    await client.ehlo();
    expect(await client.send(plain('alice', 'wrong'))).toMatchObject({ code: 535 });
    expect((await client.send(plain('alice', 'wonderland'))).code).toBe(235);
    const sent = await client.sendMail({ from: 'alice@example.test', to: ['friend@far.away', 'bob@example.test'], body: 'Subject: out\r\n\r\nhi\r\n' });
    expect(sent.rcptTo.map((r) => r.code)).toEqual([250, 250]);
    expect(sent.data?.code).toBe(250);
    await client.quit();
    const [outbound] = await mailbox(sample.maildir, 'outbound');
    expect(outbound).toMatch(/with ESMTPSA id /);
    expect(outbound).toMatch(/\(using TLSv1\.3 with cipher /);
    expect(await mailbox(sample.maildir, 'bob@example.test')).toEqual([outbound]);
    expect(await mailbox(sample.maildir, 'friend@far.away')).toEqual([]);
  });

  it('stores a message once per local recipient, byte-exact, with a Received header', async () => {
    const client = await SmtpTestClient.connect(sample.port);
    await client.ehlo('sender.test');
    await client.send('MAIL FROM:<someone@elsewhere.test>');
    expect((await client.send('RCPT TO:<Bob@Example.test>')).code).toBe(250);
    expect(await client.send('RCPT TO:<eve@far.away>')).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
    expect((await client.send('RCPT TO:<carol@example.org>')).code).toBe(250);
    const body = 'Subject: hi\r\nFrom: someone@elsewhere.test\r\n\r\n.leading dot\r\nline\r\n';
    expect((await client.data(body)).code).toBe(250); // the refused recipient spoiled nothing
    await client.quit();

    const bob = await mailbox(sample.maildir, 'bob@example.test');
    const carol = await mailbox(sample.maildir, 'carol@example.org');
    expect(bob).toHaveLength(1);
    expect(carol).toEqual(bob);
    expect(bob[0]).toMatch(/^Received: from sender\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test with ESMTP id /);
    expect(bob[0]!.endsWith(`\r\n${body}`)).toBe(true);
    expect(await mailbox(sample.maildir, 'eve@far.away')).toEqual([]);
    const line = sample.logs.find((l) => l.startsWith('[Mail]'));
    expect(line).toMatch(
      /^\[Mail\] session=\w+ client=127\.0\.0\.1 from=<someone@elsewhere\.test> to=<Bob@Example\.test>,<carol@example\.org> size=\d+ result=250 stored$/,
    );
  });

  it('refuses blocked sender domains with 550 5.7.1', async () => {
    const client = await SmtpTestClient.connect(sample.port);
    await client.ehlo();
    expect(await client.send('MAIL FROM:<spam@blocked.example>')).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
    expect((await client.send('MAIL FROM:<fine@ok.test>')).code).toBe(250);
    await client.quit();
  });

  it('refuses a message over MAX_MESSAGE_SIZE with 552 and stores nothing', async () => {
    const client = await SmtpTestClient.connect(sample.port);
    const result = await client.sendMail({ from: 'a@ok.test', to: 'bob@example.test', body: 'x'.repeat(200_000) + '\r\n' });
    expect(result.data).toMatchObject({ code: 552, enhancedCode: '5.3.4' });
    await client.quit();
    expect(await mailbox(sample.maildir, 'bob@example.test')).toEqual([]);
    expect(await readdir(join(sample.maildir, '.spool')).catch(() => [])).toEqual([]);
  });

  it('stores nothing when the client disconnects mid-DATA', async () => {
    const client = await SmtpTestClient.connect(sample.port);
    await client.ehlo();
    await client.send('MAIL FROM:<a@ok.test>');
    await client.send('RCPT TO:<bob@example.test>');
    await client.send('DATA');
    client.write('Subject: half\r\n\r\n' + 'z'.repeat(50_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.destroy();
    // the server has seen the end of the session, so anything it would wrongly store is stored by now
    await waitFor(() => sample.app.get(FumiServer).connections === 0);
    expect(await mailbox(sample.maildir, 'bob@example.test')).toEqual([]);
    // the client's doing, not a fault of the server: a warning, never an error
    await waitFor(() => sample.logs.some((line) => line.includes('went away in the middle of DATA') && line.endsWith('(warn)')));
    expect(sample.logs.filter((line) => line.endsWith('(error)'))).toEqual([]);
  });

  it('takes mail from an ordinary client (nodemailer)', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sample.port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ from: 'me@elsewhere.test', to: 'bob@example.test', subject: 'Hello', text: 'Hi Bob' });
    transport.close();
    expect(info.response).toMatch(/^250 /);
    const [stored] = await mailbox(sample.maildir, 'bob@example.test');
    expect(stored).toContain('Subject: Hello');
  });
});

describe('sample: start-up', () => {
  it('removes spool files abandoned by an earlier shutdown, and leaves recent ones to their transaction', async () => {
    const sample = await startSample({}, async (maildir) => {
      const spool = join(maildir, '.spool');
      await mkdir(spool);
      await writeFile(join(spool, 'abandoned'), 'Subject: cut at shutdown\r\n\r\n');
      const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60_000);
      await utimes(join(spool, 'abandoned'), twoHoursAgo, twoHoursAgo);
      await writeFile(join(spool, 'in-flight'), 'Subject: another instance is writing this\r\n');
    });
    try {
      expect(await readdir(join(sample.maildir, '.spool'))).toEqual(['in-flight']);
      expect(sample.logs.some((line) => line.includes('removed 1 abandoned spool file'))).toBe(true);
    } finally {
      await sample.app.close();
      await rm(sample.maildir, { recursive: true, force: true });
    }
  });
});
