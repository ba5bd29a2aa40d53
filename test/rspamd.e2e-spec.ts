import { FumiRspamdModule } from '../lib/rspamd/index.js';
import type { RunningApp } from './support/app.js';
import { boot, deliveries, scanned, send } from './support/rspamd-mail.js';
import { GTUBE, RSPAMD_MARKS, startRspamd, type TestRspamd } from './support/rspamd-server.js';

/** Every action of rspamd, forced by the test rules, over a socket: the reply and what the handlers get. */
beforeEach(() => {
  deliveries.length = 0;
});

describe('nestjs-fumi/rspamd against a real rspamd', () => {
  let rspamd: TestRspamd;
  let running: RunningApp;

  beforeAll(async () => {
    rspamd = await startRspamd();
    running = await boot(FumiRspamdModule.forRootAsync({ useFactory: async () => ({ url: rspamd.url }) }));
  }, 90_000);

  afterAll(async () => {
    await running?.close();
    await rspamd?.stop();
  });

  it('rejects GTUBE with 550 5.7.1 naming the rule, before the application sees it', async () => {
    const sent = await send(running.port, { subject: 'hello', text: `Test message\r\n${GTUBE}\r\n` });
    expect(sent.code).toBe(550);
    expect(sent.response).toBe('550 5.7.1 Spam message rejected (GTUBE)');
    expect(deliveries).toEqual([]);
  });

  it("answers 451 4.7.1 to rspamd's soft reject, with rspamd's reply text", async () => {
    const sent = await send(running.port, { subject: `offer ${RSPAMD_MARKS.softReject}` });
    expect(sent.response).toBe('451 4.7.1 Try again later (test)');
    expect(deliveries).toEqual([]);
  });

  it('answers 451 4.7.1 to greylist', async () => {
    const sent = await send(running.port, { subject: `offer ${RSPAMD_MARKS.greylist}` });
    expect(sent.response).toBe('451 4.7.1 Greylisted, try again later');
    expect(deliveries).toEqual([]);
  });

  it('lets an "add header" message through with its X-Spam-* headers for the handlers', async () => {
    const sent = await send(running.port, { subject: `offer ${RSPAMD_MARKS.addHeader}` });
    expect(sent.code).toBe(250);
    expect(deliveries).toHaveLength(1);
    const result = scanned(deliveries[0]!.result);
    expect(result).toMatchObject({ action: 'add header', score: 7, requiredScore: 15 });
    expect(result.symbols.FUMI_TEST_ADD_HEADER).toMatchObject({ name: 'FUMI_TEST_ADD_HEADER', score: 7 });
    expect(result.headers).toEqual({
      'X-Spam-Flag': 'YES',
      'X-Spam-Score': '7.00',
      'X-Spam-Level': '*******',
      'X-Spam-Status': 'Yes, score=7.00 required=15.00 action="add header" tests=FUMI_TEST_ADD_HEADER,FUMI_TEST_ENVELOPE',
    });
    // the decorator and the function read the same record
    expect(deliveries[0]!.viaFunction).toBe(result);
  });

  it('lets a "rewrite subject" message through with the subject rspamd proposes', async () => {
    const subject = `cheap watches ${RSPAMD_MARKS.rewriteSubject}`;
    const sent = await send(running.port, { subject });
    expect(sent.code).toBe(250);
    const result = scanned(deliveries[0]!.result);
    expect(result).toMatchObject({ action: 'rewrite subject', score: 11, subject: `***SPAM*** ${subject}` });
    expect(result.headers['X-Spam-Flag']).toBe('YES');
    expect(deliveries[0]!.subject).toBe(subject);
  });

  it('lets a clean message through with no action, having told rspamd the envelope, the client and the user', async () => {
    const sent = await send(running.port, {
      subject: 'Lunch on Friday?',
      from: 'alice@client.test',
      to: ['bob@example.test', 'carol@example.test'],
      auth: { user: 'alice', pass: 'secret' },
    });
    expect(sent.code).toBe(250);
    const delivery = deliveries[0]!;
    const result = scanned(delivery.result);
    expect(result).toMatchObject({ action: 'no action', score: 0, headers: {} });
    expect(result.subject).toBeUndefined();
    expect(result.symbols.FUMI_TEST_ENVELOPE!.options).toEqual([
      'from=alice@client.test',
      'rcpt=bob@example.test',
      'rcpt=carol@example.test',
      'ip=127.0.0.1',
      'helo=client.test',
      'user=alice',
      `queue-id=${delivery.sessionId}`,
    ]);
    // a handler with a higher priority than the scan's runs before it: no result yet
    expect(delivery.beforeScan).toBeUndefined();
  });

  it('scans an SMTPUTF8 message: an IDN domain goes as punycode, a non-ASCII local part is left out', async () => {
    const sent = await send(running.port, {
      subject: `Grüße ${RSPAMD_MARKS.addHeader}`,
      from: 'jörg@bücher.example',
      to: ['ascii@bücher.example', 'ünï@example.test'],
    });
    expect(sent.code).toBe(250);
    // the server took the UTF-8 sender: leaving it out is the scan's doing
    expect(deliveries[0]!.from).toBe('jörg@bücher.example');
    const result = scanned(deliveries[0]!.result);
    // rspamd read the body: the mark in the (encoded) subject was found
    expect(result.action).toBe('add header');
    expect(result.symbols.FUMI_TEST_ENVELOPE!.options).toEqual(expect.arrayContaining(['from=', 'rcpt=ascii@xn--bcher-kva.example']));
    expect(result.symbols.FUMI_TEST_ENVELOPE!.options!.filter((option) => option.startsWith('rcpt='))).toHaveLength(1);
  });
});
