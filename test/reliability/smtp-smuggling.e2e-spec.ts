import fc from 'fast-check';
import type { BareLineFeeds } from '../../lib/index.js';
import { createTestCertificate, SmtpTestClient } from '../../lib/testing/index.js';
import { countFromEnv, recordFigures } from './support/figures.js';
import { RawSession } from './support/raw-session.js';
import { startRecordingInbox, type RecordingInboxApp } from './support/recording-inbox.js';
import { startApp } from '../support/app.js';

/**
 * SMTP smuggling (CVE-2023-51764, -51765, -51766 and kin): a client hides a second transaction
 * inside a message behind an end-of-data marker that some server along the way accepts and ours
 * must not (`\n.\n`, `\r.\r`, ...). Whatever the `bareLineFeeds` policy, only CRLF.CRLF may end
 * the message; the policy decides what the handlers get: the bytes as they came ('allow'), bare
 * line endings made CRLF ('normalize', the default), or a 550 5.5.2 refusal ('reject').
 */
const POLICIES: BareLineFeeds[] = ['normalize', 'reject', 'allow'];

/** The end-of-data look-alikes, each with at least one bare CR or bare LF. */
const FAKE_ENDINGS: Record<string, string> = {
  'LF . LF': '\n.\n',
  'LF . CRLF': '\n.\r\n',
  'CR . CR': '\r.\r',
  'CRLF . CR': '\r\n.\r',
  'CRLF . LF': '\r\n.\n',
  'LF . CR': '\n.\r',
  'CR . CRLF': '\r.\r\n',
  'CR . LF': '\r.\n',
  'CRLF . CR CRLF': '\r\n.\r\r\n',
};

const SMUGGLED = 'MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@target.test>\r\nDATA\r\nSubject: forged\r\n\r\nforged\r\n';
const normalized = (text: string) => text.replace(/\r\n|\r|\n/g, '\r\n');
const hasBareEnding = (text: string) => /\r(?!\n)|(?<!\r)\n/.test(text);

describe('reliability: SMTP smuggling and the bareLineFeeds policy', () => {
  const servers = {} as Record<BareLineFeeds, RecordingInboxApp>;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    for (const policy of POLICIES) servers[policy] = await startRecordingInbox({ bareLineFeeds: policy });
  });
  afterAll(async () => {
    for (const policy of POLICIES) await servers[policy].close();
    recordFigures('smtp smuggling', figures);
  });

  /** Opens a transaction and sends the payload raw (the final CRLF.CRLF is the only real end). */
  async function smuggle(policy: BareLineFeeds, sender: string, payload: string) {
    const client = await SmtpTestClient.connect(servers[policy].port);
    await client.ehlo();
    expect((await client.send(`MAIL FROM:<${sender}>`)).code).toBe(250);
    expect((await client.send('RCPT TO:<rcpt@ok.test>')).code).toBe(250);
    expect((await client.send('DATA')).code).toBe(354);
    client.write(`${payload}\r\n.\r\n`);
    return { client, reply: await client.read() };
  }

  describe.each(Object.entries(FAKE_ENDINGS))('a fake end of data %s', (name, fake) => {
    const payload = `Subject: hello\r\n\r\nfirst part${fake}${SMUGGLED}`;

    it("'allow': stays inside the message byte for byte, and starts no second transaction", async () => {
      const { mailbox } = servers.allow;
      const sender = `allow-${name.replace(/ /g, '')}@ok.test`;
      const { client, reply } = await smuggle('allow', sender, payload);
      expect(reply.code).toBe(250);
      // the very next reply is NOOP's: nothing smuggled was answered in between
      expect(await client.send('NOOP')).toMatchObject({ code: 250, message: 'OK' });
      await client.quit();
      expect(mailbox.bodiesFrom(sender)).toEqual([`${payload}\r\n`]);
      expect(mailbox.senders).not.toContain('evil@attacker.test');
      expect(mailbox.recipients).not.toContain('victim@target.test');
    });

    it("'normalize' (default): stays inside the message, which reaches handlers with CRLF line ends only", async () => {
      const { mailbox } = servers.normalize;
      const sender = `normalize-${name.replace(/ /g, '')}@ok.test`;
      const { client, reply } = await smuggle('normalize', sender, payload);
      expect(reply.code).toBe(250);
      expect(await client.send('NOOP')).toMatchObject({ code: 250, message: 'OK' });
      await client.quit();
      const [body] = mailbox.bodiesFrom(sender);
      expect(body).toBe(normalized(`${payload}\r\n`));
      expect(hasBareEnding(body!)).toBe(false);
      expect(mailbox.senders).not.toContain('evil@attacker.test');
    });

    it("'reject': refuses the message with 550 5.5.2 after its end, closes the connection, stores nothing", async () => {
      const { mailbox } = servers.reject;
      const sender = `reject-${name.replace(/ /g, '')}@ok.test`;
      const { client, reply } = await smuggle('reject', sender, payload);
      expect(reply).toMatchObject({ code: 550, enhancedCode: '5.5.2' });
      await client.closed;
      expect(mailbox.bodiesFrom(sender)).toEqual([]);
      expect(mailbox.senders).not.toContain('evil@attacker.test');
    });
  });

  it("'reject' judges a message that no @OnData handler reads: 550 5.5.2 with a bare LF, 250 without", async () => {
    const running = await startApp({ providers: [] }, { bareLineFeeds: 'reject' });
    try {
      const clean = await SmtpTestClient.connect(running.port);
      const sent = await clean.sendMail({ from: 'a@ok.test', to: 'b@ok.test', body: 'Subject: clean\r\n\r\nfine\r\n' });
      expect(sent.data?.code).toBe(250);
      await clean.quit();
      const bare = await SmtpTestClient.connect(running.port);
      const refused = await bare.sendMail({ from: 'a@ok.test', to: 'b@ok.test', body: 'Subject: bare\r\n\r\nbare\nline\r\n' });
      expect(refused.data).toMatchObject({ code: 550, enhancedCode: '5.5.2' });
      await bare.closed;
    } finally {
      await running.close();
    }
  });

  describe('commands ending in a bare LF', () => {
    it("'normalize' and 'allow' run them, as smtp-server (and Postfix's normalize) does", async () => {
      for (const policy of ['normalize', 'allow'] as const) {
        const client = await SmtpTestClient.connect(servers[policy].port);
        client.write('EHLO bare.test\n');
        expect((await client.read()).code).toBe(250);
        client.write(`MAIL FROM:<bare-${policy}@ok.test>\n`);
        expect((await client.read()).code).toBe(250);
        await client.quit();
        expect(servers[policy].mailbox.senders).toContain(`bare-${policy}@ok.test`);
      }
    });

    it("'reject' refuses the line with 550 5.5.2 before it runs and closes the connection, even pipelined", async () => {
      const { mailbox, port } = servers.reject;
      const client = await SmtpTestClient.connect(port);
      client.write('EHLO ok.test\r\nMAIL FROM:<first@ok.test>\r\nRCPT TO:<bare@ok.test>\nDATA\r\nNOOP\r\n');
      expect((await client.read()).code).toBe(250);
      expect((await client.read()).code).toBe(250);
      expect(await client.read()).toMatchObject({ code: 550, enhancedCode: '5.5.2' });
      await client.closed;
      await expect(client.read()).rejects.toThrow(); // DATA and NOOP never ran
      expect(mailbox.senders).toContain('first@ok.test');
      expect(mailbox.recipients).not.toContain('bare@ok.test');
    });

    it("'reject' judges a line by its ending however TCP cuts it: CR|LF is CRLF, a lone LF is bare", async () => {
      const session = await RawSession.connect(servers.reject.port);
      await session.writeInPieces([Buffer.from('NOOP\r'), Buffer.from('\nNO'), Buffer.from('OP\r\n'), Buffer.from('NOOP'), Buffer.from('\n')], 20);
      const { codes } = await session.waitForReplies(4);
      expect(codes).toEqual([220, 250, 250, 550]);
      await session.closed;
    });

    it("'reject' still judges commands after STARTTLS, on the parser smtp-server makes for TLS", async () => {
      const certificate = await createTestCertificate();
      const tls = await startRecordingInbox({ bareLineFeeds: 'reject', key: certificate.key, cert: certificate.cert });
      try {
        const client = await SmtpTestClient.connect(tls.port);
        await client.ehlo();
        expect((await client.startTls({ ca: certificate.cert, servername: 'localhost' })).code).toBe(220);
        expect((await client.ehlo()).code).toBe(250);
        client.write('MAIL FROM:<tls-bare@ok.test>\n');
        expect(await client.read()).toMatchObject({ code: 550, enhancedCode: '5.5.2' });
        await client.closed;
        expect(tls.mailbox.senders).toEqual([]);
      } finally {
        await tls.close();
      }
    });

    it("'reject' tells content from commands in one pipelined write, and judges the commands after a message", async () => {
      const session = await RawSession.connect(servers.reject.port);
      session.write(
        'EHLO ok.test\r\nMAIL FROM:<pipelined@ok.test>\r\nRCPT TO:<rcpt@ok.test>\r\nDATA\r\n' +
          'Subject: clean\r\n\r\nall CRLF\r\n.\r\nMAIL FROM:<again@ok.test>\r\nRSET\nNOOP\r\n',
      );
      const { codes } = await session.waitForReplies(9);
      // the message and the CRLF command after it are taken; RSET, ending in a bare LF, is refused
      expect(codes).toEqual([220, 250, 250, 250, 354, 250, 250, 550]);
      await session.closed;
      expect(servers.reject.mailbox.bodiesFrom('pipelined@ok.test')).toEqual(['Subject: clean\r\n\r\nall CRLF\r\n']);
      expect(servers.reject.mailbox.senders).toContain('again@ok.test');
    });
  });

  describe('fuzzed: random content with bare CR/LF and dots, cut into random TCP segments', () => {
    const SESSIONS = countFromEnv('FUMI_SMUGGLING_SESSIONS', 900);
    const BATCH = 15;
    const TOKENS = ['\r', '\n', '\r\n', '.', '..', 'x', ' ', '\r\n.\r', '\n.\n', '\r.\r', '\n.\r\n', SMUGGLED, 'QUIT\r\n', 'RSET\r\n'];
    let counter = 0;
    const tally = { sessions: 0, accepted: 0, refused: 0, withBareEndings: 0 };

    /** Content whose first CRLF.CRLF, once the client appends it, is the one the client appends. */
    const content = fc
      .array(fc.constantFrom(...TOKENS), { maxLength: 24 })
      .map((parts) => parts.join(''))
      .filter((text) => !`${text}\r\n.\r\n`.startsWith('.\r\n') && `${text}\r\n.\r\n`.indexOf('\r\n.\r\n') === text.length);

    /** The whole DATA payload cut at random points. */
    const attempt = content.chain((text) => {
      const wire = `${text}\r\n.\r\n`;
      return fc
        .uniqueArray(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 6 })
        .map((cuts) => ({ text, wire, cuts: cuts.sort((a, b) => a - b) }));
    });

    async function run(policy: BareLineFeeds, { text, wire, cuts }: { text: string; wire: string; cuts: number[] }) {
      const { port, mailbox } = servers[policy];
      const sender = `fuzz${++counter}@ok.test`;
      const session = await RawSession.connect(port);
      session.write(`EHLO fuzz.test\r\nMAIL FROM:<${sender}>\r\nRCPT TO:<rcpt@ok.test>\r\nDATA\r\n`);
      expect((await session.waitForReplies(5)).codes).toEqual([220, 250, 250, 250, 354]);
      const points = [0, ...cuts, wire.length];
      await session.writeInPieces(points.slice(1).map((end, i) => Buffer.from(wire.slice(points[i], end), 'latin1')));
      const { codes } = await session.waitForReplies(6);
      const bare = hasBareEnding(text);
      tally.sessions++;
      if (bare) tally.withBareEndings++;
      if (policy === 'reject' && bare) {
        expect(codes[5]).toBe(550);
        await session.closed;
        expect(mailbox.bodiesFrom(sender)).toEqual([]);
        tally.refused++;
        return;
      }
      expect(codes[5]).toBe(250);
      tally.accepted++;
      // in step: the next reply answers NOOP, not something hidden in the message
      session.write('NOOP\r\n');
      const after = await session.waitForReplies(7);
      expect(after.codes).toEqual([220, 250, 250, 250, 354, 250, 250]);
      expect(after.texts[6]).toMatch(/OK$/);
      expect(after.malformed).toEqual([]);
      session.destroy();
      const bodies = mailbox.bodiesFrom(sender);
      expect(bodies).toHaveLength(1);
      const expected = policy === 'normalize' ? normalized(`${text}\r\n`) : `${text}\r\n`;
      // Dot-unstuffing may remove a dot at a line start; nothing else may differ.
      expect(bodies[0]!.replace(/\./g, '')).toBe(expected.replace(/\./g, ''));
      if (policy === 'normalize') expect(hasBareEnding(bodies[0]!)).toBe(false);
    }

    it(`keeps every message whole and every session in step (${SESSIONS} sessions; FUMI_SMUGGLING_SESSIONS)`, async () => {
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...POLICIES), fc.array(attempt, { minLength: BATCH, maxLength: BATCH }), async (policy, batch) => {
          await Promise.all(batch.map((one) => run(policy, one)));
        }),
        { numRuns: Math.ceil(SESSIONS / BATCH) },
      );
      for (const policy of POLICIES) {
        expect(servers[policy].mailbox.senders).not.toContain('evil@attacker.test');
        expect(servers[policy].mailbox.recipients).not.toContain('victim@target.test');
      }
      figures.fuzz = { ...tally, seconds: Math.round((performance.now() - started) / 100) / 10 };
    }, 60_000 + SESSIONS * 40);
  });

  afterAll(() => {
    figures.fakeEndings = Object.keys(FAKE_ENDINGS);
  });
});
