import { createTestCertificate, SmtpTestClient, type TestCertificate } from '../../lib/testing/index.js';
import { settledWithin } from '../support/settled-within.js';
import { recordFigures } from './support/figures.js';
import { startRecordingInbox, type RecordingInboxApp } from './support/recording-inbox.js';

/**
 * STARTTLS command injection (CVE-2011-0411 and its many descendants): plaintext a client, or a
 * man in the middle, sends after STARTTLS must be thrown away, never run inside the TLS session
 * as if the client had sent it encrypted. The basic case (one command) is in
 * test/tls-auth.e2e-spec.ts ("never runs commands pipelined behind STARTTLS inside the TLS
 * session"); these push it: a whole transaction and more lines than smtp-server's parser handles
 * in one go (it yields every 100), plaintext after the 220 (where the handshake should be),
 * and a bare LF under `bareLineFeeds: 'reject'`.
 */
const INJECTED = [
  'MAIL FROM:<injected@evil.test>',
  'RCPT TO:<victim@ok.test>',
  'DATA',
  'Subject: injected',
  '',
  'forged',
  '.',
  ...Array.from({ length: 150 }, () => 'NOOP'),
  'RSET',
];

describe('reliability: STARTTLS command injection', () => {
  let certificate: TestCertificate;
  let inbox: RecordingInboxApp;
  let strict: RecordingInboxApp;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    certificate = await createTestCertificate();
    inbox = await startRecordingInbox({ key: certificate.key, cert: certificate.cert });
    strict = await startRecordingInbox({ key: certificate.key, cert: certificate.cert, bareLineFeeds: 'reject' });
  });
  afterAll(async () => {
    await inbox.close();
    await strict.close();
    recordFigures('starttls injection', figures);
  });

  const tls = () => ({ ca: certificate.cert, servername: 'localhost' });

  /** Inside TLS: the first reply is EHLO's, nothing else is pending, no transaction is open. */
  async function cleanInsideTls(client: SmtpTestClient): Promise<void> {
    const ehlo = await client.ehlo('after.test');
    expect(ehlo.code).toBe(250);
    expect(ehlo.lines[0]).toMatch(/Nice to meet you/);
    expect(await client.send('NOOP')).toMatchObject({ code: 250, message: 'OK' });
    expect((await client.send('RCPT TO:<rcpt@ok.test>')).code).toBe(503);
  }

  it(`drops ${INJECTED.length} lines (a whole transaction, 150 NOOPs) pipelined in the STARTTLS segment`, async () => {
    const client = await SmtpTestClient.connect(inbox.port);
    await client.ehlo();
    client.write(['STARTTLS', ...INJECTED].map((line) => `${line}\r\n`).join(''));
    expect((await client.read()).code).toBe(220);
    await client.upgradeTls(tls());
    await cleanInsideTls(client);
    await client.quit();
    expect(inbox.mailbox.senders).not.toContain('injected@evil.test');
    expect(inbox.mailbox.recipients).not.toContain('victim@ok.test');
    figures.pipelinedLines = INJECTED.length;
  });

  it('ends the connection when plaintext comes after the 220 where the TLS handshake should start', async () => {
    const client = await SmtpTestClient.connect(inbox.port);
    await client.ehlo();
    expect((await client.send('STARTTLS')).code).toBe(220);
    const started = performance.now();
    client.write('MAIL FROM:<late@evil.test>\r\nRCPT TO:<victim@ok.test>\r\n');
    const closed = await settledWithin(client.closed.then(() => true), 5000, false);
    expect(closed).toBe(true);
    expect(inbox.mailbox.senders).not.toContain('late@evil.test');
    figures.plaintextAfter220 = { closedAfterMs: Math.round(performance.now() - started) };
  });

  it("under bareLineFeeds 'reject', drops an injected bare-LF line too, rather than refusing inside TLS", async () => {
    const client = await SmtpTestClient.connect(strict.port);
    await client.ehlo();
    client.write('STARTTLS\r\nMAIL FROM:<bare@evil.test>\nNOOP\r\n');
    expect((await client.read()).code).toBe(220);
    await client.upgradeTls(tls());
    await cleanInsideTls(client);
    expect(client.isClosed).toBe(false);
    await client.quit();
    expect(strict.mailbox.senders).toEqual([]);
  });
});
