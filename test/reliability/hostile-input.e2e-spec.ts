import fc from 'fast-check';
import { connect } from 'node:net';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { settledWithin } from '../support/settled-within.js';
import { waitFor } from '../support/wait-for.js';
import { countFromEnv, recordFigures } from './support/figures.js';
import { RawSession } from './support/raw-session.js';
import { startRecordingInbox, type RecordingInboxApp } from './support/recording-inbox.js';
import { measureResources, megabytes, memoryFigures, resourcesGained } from './support/resources.js';

/**
 * Hostile input: random bytes, over-long lines, NUL bytes, invalid UTF-8, malformed parameters,
 * command storms. Every command gets a well-formed reply (a 5xx for garbage), the server stays
 * up, memory stays bounded, and a well-behaved client is served all along.
 */
const GOOD = { from: 'good@ok.test', to: 'rcpt@ok.test', body: 'Subject: good\r\n\r\nstill served\r\n' };
const MB = 1024 * 1024;

describe('reliability: hostile input', () => {
  let inbox: RecordingInboxApp;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    inbox = await startRecordingInbox();
  });
  afterAll(async () => {
    await inbox.close();
    recordFigures('hostile input', figures);
  });

  /** A well-behaved client still gets its message through; returns how long that took. */
  async function goodClientDelivers(port = inbox.port): Promise<number> {
    const started = performance.now();
    const client = await SmtpTestClient.connect(port);
    const { data } = await client.sendMail(GOOD);
    expect(data?.code).toBe(250);
    await client.quit();
    return Math.round(performance.now() - started);
  }

  describe('over-long lines (RFC 5321 §4.5.3.1: 512-octet commands, 1000-octet text lines)', () => {
    it('answers 1001..16384-octet commands like any other (500/501) and the session goes on', async () => {
      const client = await SmtpTestClient.connect(inbox.port);
      expect((await client.send('X'.repeat(1001))).code).toBe(500);
      expect((await client.send(`EHLO ${'h'.repeat(2000)}`)).code).toBe(501);
      await client.ehlo();
      expect((await client.send(`MAIL FROM:<${'a'.repeat(1000)}@ok.test>`)).code).toBe(501);
      expect((await client.send(`MAIL FROM:<a@ok.test> ${'X-PARAM=1 '.repeat(1500)}`.trimEnd())).code).toBeLessThan(600);
      expect(await client.send('NOOP')).toMatchObject({ code: 250 });
      await client.quit();
    });

    it('closes with 421 at a command line over 16 KiB (smtp-server maxCommandLength), keeping nothing of it', async () => {
      const session = await RawSession.connect(inbox.port);
      session.write(`NOOP ${'y'.repeat(16 * 1024)}\r\n`);
      const { codes, texts } = await session.waitForReplies(2);
      expect(codes).toEqual([220, 421]);
      expect(texts[1]).toMatch(/too long/i);
      await session.closed;
    });

    it('survives 32 MB without a line break: 421 after 16 KiB, connection closed, memory flat', async () => {
      const before = await measureResources();
      const socket = connect({ host: '127.0.0.1', port: inbox.port });
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await waitFor(() => received.startsWith('220'));
      const chunk = Buffer.alloc(MB, 'z');
      let sent = 0;
      // bounded: at most 32 writes, and none once the server has hung up
      while (sent < 32 * MB && !socket.destroyed && !received.includes('421')) {
        if (!socket.write(chunk)) await settledWithin(new Promise((r) => socket.once('drain', r)), 200, undefined);
        sent += MB;
      }
      await settledWithin(closed, 8000, undefined);
      socket.destroy();
      const after = await measureResources();
      expect(received).toMatch(/^220 [^\r]*\r\n421 /);
      figures.noLineBreak = { sentMB: Math.round(sent / MB), heapGrowthMB: megabytes(after.heapUsed - before.heapUsed) };
      expect(after.heapUsed - before.heapUsed).toBeLessThan(16 * MB);
      expect(await goodClientDelivers()).toBeLessThan(5000);
    });

    it('passes message lines over 1000 octets through whole (smtp-server does not enforce the text-line limit)', async () => {
      const body = `Subject: long\r\n\r\n${'L'.repeat(5000)}\r\n`;
      const client = await SmtpTestClient.connect(inbox.port);
      const { data } = await client.sendMail({ ...GOOD, from: 'long@ok.test', body });
      expect(data?.code).toBe(250);
      await client.quit();
      expect(inbox.mailbox.bodiesFrom('long@ok.test')).toEqual([body]);
    });
  });

  describe('NUL bytes, invalid UTF-8, malformed parameters', () => {
    const CASES: [string, Buffer][] = [
      ['NUL in a command', Buffer.from('NO\0OP\r\n', 'latin1')],
      ['NULs alone', Buffer.from('\0\0\0\r\n', 'latin1')],
      ['NUL in EHLO', Buffer.from('EHLO a\0b.test\r\n', 'latin1')],
      ['NUL in an address', Buffer.from('MAIL FROM:<a\0b@ok.test>\r\n', 'latin1')],
      ['invalid UTF-8 local part', Buffer.from('MAIL FROM:<\xff\xfe@ok.test>\r\n', 'latin1')],
      ['lone UTF-8 lead byte in a domain', Buffer.from('MAIL FROM:<a@\xc3.test> SMTPUTF8\r\n', 'latin1')],
      ['UTF-16 surrogate as UTF-8', Buffer.from('MAIL FROM:<\xed\xa0\x80@ok.test> SMTPUTF8\r\n', 'latin1')],
      ['overlong UTF-8 for "/"', Buffer.from('MAIL FROM:<\xc0\xafetc@ok.test>\r\n', 'latin1')],
      ['C1 control in an address', Buffer.from('MAIL FROM:<a\xc2\x85b@ok.test> SMTPUTF8\r\n', 'latin1')],
      ['SIZE not a number', Buffer.from('MAIL FROM:<p1@ok.test> SIZE=abc\r\n')],
      ['SIZE without value', Buffer.from('MAIL FROM:<p2@ok.test> SIZE=\r\n')],
      ['SIZE huge', Buffer.from('MAIL FROM:<p3@ok.test> SIZE=999999999999999999999999999\r\n')],
      ['SIZE twice', Buffer.from('MAIL FROM:<p4@ok.test> SIZE=1 SIZE=2\r\n')],
      ['unknown BODY', Buffer.from('MAIL FROM:<p5@ok.test> BODY=9BITMIME\r\n')],
      ['xtext CRLF in ENVID', Buffer.from('MAIL FROM:<p6@ok.test> ENVID=a+0D+0AMAIL\r\n')],
      ['bare "=" parameter', Buffer.from('MAIL FROM:<p7@ok.test> = =x\r\n')],
      ['no angle brackets', Buffer.from('MAIL FROM:p8@ok.test\r\n')],
      ['nested brackets', Buffer.from('MAIL FROM:<<p9@ok.test>>\r\n')],
      ['source route', Buffer.from('MAIL FROM:<@a.test,@b.test:p10@ok.test>\r\n')],
    ];

    const malformedReplies: Record<string, number> = {};
    afterAll(() => (figures.malformed = malformedReplies));

    it.each(CASES)('%s: a 250 or a 5xx, never a local error, and the session goes on', async (name, line) => {
      const session = await RawSession.connect(inbox.port);
      session.write('EHLO ok.test\r\n');
      await session.waitForReplies(2);
      session.write(line);
      session.write('RSET\r\nNOOP\r\n');
      const { codes, malformed } = await session.waitForReplies(5);
      expect(malformed).toEqual([]);
      expect(codes).toHaveLength(5);
      expect(codes[2] === 250 || (codes[2]! >= 500 && codes[2]! < 600)).toBe(true);
      expect(codes.slice(3)).toEqual([250, 250]);
      malformedReplies[name] = codes[2]!;
      session.destroy();
    });

    it('hands handlers only well-formed strings: no control character ever reaches an address', () => {
      expect(inbox.mailbox.senders.length).toBeGreaterThan(0);
      for (const sender of inbox.mailbox.senders) {
        expect(sender).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
        expect(sender.isWellFormed()).toBe(true); // invalid UTF-8 arrives as U+FFFD, never as lone surrogates
      }
    });
  });

  describe('command storms', () => {
    it('cuts a storm of 20,000 pipelined NOOPs at maxJunkCommands (default 100) with 421 4.7.0', async () => {
      const session = await RawSession.connect(inbox.port);
      const started = performance.now();
      session.write('NOOP\r\n'.repeat(20_000));
      await session.closed;
      const { codes, texts } = session.replies();
      expect(codes.length).toBe(1 + 100 + 1);
      expect(codes.slice(1, 101).every((code) => code === 250)).toBe(true);
      expect(codes[101]).toBe(421);
      expect(texts[101]).toMatch(/^4\.7\.0 Too many commands that move no mail/);
      figures.stormCapped = { commandsAnswered: 100, ms: Math.round(performance.now() - started) };
    });

    it('without a cap, answers all 20,000 while a well-behaved client is served alongside', async () => {
      const uncapped = await startRecordingInbox({ maxJunkCommands: false });
      try {
        const session = await RawSession.connect(uncapped.port);
        const started = performance.now();
        session.write('NOOP\r\n'.repeat(20_000));
        const [latency] = await Promise.all([goodClientDelivers(uncapped.port), session.waitForReplies(20_001, 30_000)]);
        const { codes } = session.replies();
        expect(codes.length).toBe(20_001);
        expect(new Set(codes.slice(1))).toEqual(new Set([250]));
        figures.stormUncapped = { commands: 20_000, ms: Math.round(performance.now() - started), goodClientMs: latency };
        session.destroy();
      } finally {
        await uncapped.close();
      }
    });

    it('stops reading from a client that pipelines without reading replies (backpressure), memory flat', async () => {
      const uncapped = await startRecordingInbox({ maxJunkCommands: false });
      try {
        const before = await measureResources();
        const socket = connect({ host: '127.0.0.1', port: uncapped.port });
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.pause(); // never read a reply
        await new Promise((resolve) => setTimeout(resolve, 150)); // past the greeting delay
        const chunk = Buffer.from('NOOP\r\n'.repeat(10_000));
        let written = 0;
        let stalled = false;
        // bounded: 64 MB at most; stops as soon as the server stops taking input for 500 ms
        while (written < 64 * MB && !stalled) {
          written += chunk.length;
          if (!socket.write(chunk)) {
            stalled = !(await settledWithin(new Promise<boolean>((r) => socket.once('drain', () => r(true))), 500, false));
          }
        }
        const during = await measureResources();
        const latency = await goodClientDelivers(uncapped.port);
        socket.destroy();
        figures.neverReads = {
          stalledAfterMB: megabytes(written),
          stalled,
          heapGrowthMB: megabytes(during.heapUsed - before.heapUsed),
          goodClientMs: latency,
        };
        expect(stalled).toBe(true);
        expect(during.heapUsed - before.heapUsed).toBeLessThan(32 * MB);
      } finally {
        await uncapped.close();
      }
    });
  });

  describe('fuzzed sessions (fast-check)', () => {
    const SESSIONS = countFromEnv('FUMI_FUZZ_SESSIONS', 2000);
    const BATCH = 20;
    const VERBS = ['HELO', 'EHLO', 'MAIL FROM:', 'RCPT TO:', 'RSET', 'NOOP', 'VRFY', 'HELP', 'AUTH', 'STARTTLS', 'EXPN', 'ETRN', 'BDAT', 'XCLIENT', 'WIZ', 'SHELL', 'KILL', 'QUIT'];
    const KNOWN = /^(HELO|EHLO|LHLO|MAIL|RCPT|DATA|RSET|NOOP|QUIT|VRFY|HELP|AUTH|STARTTLS|XCLIENT|XFORWARD|WIZ|SHELL|KILL)( |$)/i;

    /** A line without its ending; an over-long one is kept as its length, so that counterexamples stay readable. */
    type Line = { kind: 'junk' | 'command'; bytes: Buffer } | { kind: 'over-long'; octets: number };
    const bytesOf = (line: Line) => (line.kind === 'over-long' ? Buffer.alloc(line.octets, 'A') : line.bytes);

    const noLineFeed = (bytes: Uint8Array) => Buffer.from(bytes.map((b) => (b === 0x0a ? 0x20 : b)));
    const invalidUtf8 = fc.constantFrom('\xff', '\xfe\xfe', '\xc3', '\xed\xa0\x80', '\xc0\xaf', '\xf8\x88\x80\x80\x80', '\x80');
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => Buffer.from(s).toString('latin1')),
      fc.array(fc.oneof(invalidUtf8, fc.constantFrom('\0', '\r', '<', '>', '@', ':', ' ', '.', 'a')), { maxLength: 20 }).map((p) => p.join('')),
    );
    const params = fc
      .array(
        fc.constantFrom('SIZE=100', 'SIZE=abc', 'SIZE=', 'SIZE', 'BODY=8BITMIME', 'BODY=x', 'SMTPUTF8', 'SMTPUTF8=1', 'RET=FULL', 'RET=',
          'ENVID=+0D+0A', 'NOTIFY=NEVER', 'NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;a@b', '=', '=x', 'X-Y=Z', 'AUTH=<>', 'SIZE=9999999999999999999999'),
        { maxLength: 4 },
      )
      .map((p) => (p.length ? ` ${p.join(' ')}` : ''));
    const address = fc.tuple(text, text, params).map(([local, domain, extra]) => `<${local}@${domain}>${extra}`);
    const command: fc.Arbitrary<Line> = fc
      .tuple(fc.constantFrom(...VERBS), fc.oneof(address, text))
      .map(([verb, arg]) => ({ kind: 'command', bytes: noLineFeed(Buffer.from(`${verb}${verb.endsWith(':') ? '' : ' '}${arg}`, 'latin1')) }));
    const junk: fc.Arbitrary<Line> = fc
      .uint8Array({ maxLength: 300 })
      .map((bytes) => ({ kind: 'junk' as const, bytes: noLineFeed(bytes) }))
      .filter((line) => !KNOWN.test(line.bytes.toString('latin1')) && !line.bytes.toString('latin1').endsWith('\r'));
    const overLong: fc.Arbitrary<Line> = fc.integer({ min: 1001, max: 20_000 }).map((octets) => ({ kind: 'over-long' as const, octets }));
    const session = fc.record({
      policy: fc.constantFrom('normalize' as const, 'reject' as const),
      greet: fc.boolean(),
      pipelined: fc.boolean(),
      lines: fc.array(
        fc.tuple(
          fc.oneof({ weight: 6, arbitrary: command }, { weight: 4, arbitrary: junk }, { weight: 1, arbitrary: overLong }),
          fc.constantFrom('\r\n', '\r\n', '\r\n', '\n'),
        ),
        { minLength: 1, maxLength: 12 },
      ),
    });

    type Session = typeof session extends fc.Arbitrary<infer T> ? T : never;
    const tally = { sessions: 0, lines: 0, replies: 0, fiveHundreds: 0, closedByServer: 0, closingCodes: {} as Record<number, number> };

    async function play(port: number, { policy, greet, pipelined, lines }: Session): Promise<void> {
      const greeting: [Line, string] = [{ kind: 'command', bytes: Buffer.from('EHLO fuzz.test') }, '\r\n'];
      const script = [...(greet ? [greeting] : []), ...lines];
      const raw = await RawSession.connect(port);
      const wire = script.map(([line, end]) => Buffer.concat([bytesOf(line), Buffer.from(end)]));
      if (pipelined) raw.write(Buffer.concat(wire));
      else {
        for (const [i, bytes] of wire.entries()) {
          raw.write(bytes);
          await raw.waitForReplies(i + 2, 5000);
          if (raw.isClosed) break;
        }
      }
      const { codes, malformed, unterminated } = await raw.waitForReplies(script.length + 1, 5000);
      raw.destroy();
      expect(malformed).toEqual([]);
      expect(unterminated).toBe('');
      const answers = codes.slice(1);
      tally.sessions++;
      tally.lines += script.length;
      tally.replies += answers.length;
      expect(answers.length).toBeLessThanOrEqual(script.length);
      for (const [i, code] of answers.entries()) {
        const [line, end] = script[i]!;
        // the server never fails on its own side: no 451 local error, no 4xx timeout
        expect(code).not.toBe(451);
        if (code >= 500) tally.fiveHundreds++;
        if (line.kind !== 'command') expect(code === 421 || code >= 500).toBe(true);
        // smtp-server refuses a line over maxCommandLength (16 KiB) before anything sees it
        const bytes = bytesOf(line);
        const tooLong = bytes.length > 16 * 1024;
        // a line whose own last byte is CR, sent with an LF, ends in CRLF after all
        const bareLineFeed = end === '\n' && bytes.at(-1) !== 0x0d;
        if (tooLong) expect(code).toBe(421);
        else if (policy === 'reject' && bareLineFeed) expect(code).toBe(550);
      }
      if (answers.length < script.length) {
        // only a reply that closes the connection may leave later lines unanswered
        const last = answers.at(-1);
        expect([421, 221, 550]).toContain(last);
        tally.closedByServer++;
        tally.closingCodes[last!] = (tally.closingCodes[last!] ?? 0) + 1;
      }
    }

    it(`answers every line of ${SESSIONS} random sessions well-formed, garbage with 5xx, and stays up (FUMI_FUZZ_SESSIONS)`, async () => {
      const reject = await startRecordingInbox({ bareLineFeeds: 'reject' });
      const ports = { normalize: inbox.port, reject: reject.port };
      try {
        const before = await measureResources();
        const started = performance.now();
        // in five rounds, measuring after each: growth that keeps on is a leak, a plateau is not
        const rounds = 5;
        const samples: { sessions: number; heapMB: number; externalMB: number; rssMB: number }[] = [];
        for (let round = 1; round <= rounds; round++) {
          await fc.assert(
            fc.asyncProperty(fc.array(session, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
              await Promise.all(batch.map((one) => play(ports[one.policy], one)));
            }),
            { numRuns: Math.ceil(SESSIONS / BATCH / rounds) },
          );
          const now = await measureResources();
          samples.push({ sessions: tally.sessions, heapMB: megabytes(now.heapUsed), externalMB: megabytes(now.external), rssMB: megabytes(now.rss) });
        }
        const seconds = (performance.now() - started) / 1000;
        await waitFor(() => inbox.server.connections === 0 && reject.server.connections === 0);
        const after = await measureResources();
        const latency = await goodClientDelivers();
        figures.fuzz = {
          ...tally,
          seconds: Math.round(seconds * 10) / 10,
          ...memoryFigures(before, after),
          samples,
          resourcesGained: resourcesGained(before, after),
          goodClientMs: latency,
        };
        expect(after.external - before.external).toBeLessThan(24 * MB);
        expect(after.heapUsed - before.heapUsed).toBeLessThan(24 * MB);
      } finally {
        await reject.close();
      }
    }, 60_000 + SESSIONS * 40);
  });
});
