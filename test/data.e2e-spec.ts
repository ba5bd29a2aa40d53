import { Injectable } from '@nestjs/common';
import type { ParsedMail as Parsed } from 'mailparser';
import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer as streamToBuffer, text } from 'node:stream/consumers';
import nodemailer from 'nodemailer';
import {
  Ctx,
  DataContext,
  MailFromContext,
  OnData,
  OnMailFrom,
  OnRcptTo,
  ParsedMail,
  RcptToContext,
} from '../lib/index.js';
import { createTestCertificate, SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { waitFor } from './support/wait-for.js';
import { spoolFiles as listSpoolFiles } from './support/spool-files.js';

describe('message data', () => {
  let running: RunningApp | undefined;
  let spoolDirectory: string;
  beforeEach(async () => {
    spoolDirectory = await mkdtemp(join(tmpdir(), 'fumi-spool-test-'));
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await rm(spoolDirectory, { recursive: true, force: true });
  });
  const spoolFiles = () => listSpoolFiles(spoolDirectory);

  it('lets several handlers parse one message once, a 25 MB attachment included, and removes the spool', async () => {
    const parses: Parsed[] = [];
    const sizes: number[] = [];
    let spooledDuringTransaction = 0;
    @Injectable()
    class First {
      @OnData({ priority: 2 }) async look(@Ctx() ctx: DataContext) {
        parses.push(await ctx.parse());
        spooledDuringTransaction = (await spoolFiles()).length;
      }
    }
    @Injectable()
    class Second {
      @OnData({ priority: 1 }) async look(@ParsedMail() mail: Parsed, @Ctx() ctx: DataContext) {
        parses.push(mail);
        sizes.push((await streamToBuffer(ctx.stream)).length, (await ctx.buffer()).length, ctx.byteLength);
      }
    }
    running = await startApp({ providers: [First, Second] }, { spoolDirectory, size: 64 * 1024 * 1024 });
    const attachment = Buffer.alloc(25 * 1024 * 1024, 7);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: running.port, secure: false });
    await transport.sendMail({
      from: 'a@example.test',
      to: 'b@example.test',
      subject: 'Big',
      text: 'see attachment',
      attachments: [{ filename: 'big.bin', content: attachment }],
    });
    transport.close();

    expect(parses).toHaveLength(2);
    // compared by identity, not with toBe: a failing diff of a 25 MB attachment would eat the heap
    expect(parses[1] instanceof Promise).toBe(false);
    expect(parses[0] === parses[1]).toBe(true); // one parse, shared
    expect(parses[0]!.subject).toBe('Big');
    expect(parses[0]!.attachments).toHaveLength(1);
    expect(parses[0]!.attachments[0]!.filename).toBe('big.bin');
    expect(parses[0]!.attachments[0]!.content.equals(attachment)).toBe(true);
    expect(sizes[0]).toBeGreaterThan(25 * 1024 * 1024);
    expect(new Set(sizes).size).toBe(1); // stream, buffer and byteLength agree
    expect(spooledDuringTransaction).toBe(1); // a large message lives in a file, not in memory
    await waitFor(async () => (await spoolFiles()).length === 0);
  });

  it('gives every reader of ctx.stream the whole message, and keeps small messages in memory', async () => {
    const bodies: string[] = [];
    @Injectable()
    class Readers {
      @OnData() async one(@Ctx() ctx: DataContext) {
        const [a, b] = await Promise.all([text(ctx.stream), text(ctx.stream)]);
        bodies.push(a, b, await text(ctx.stream));
        bodies.push(String((await spoolFiles()).length));
      }
    }
    running = await startApp({ providers: [Readers] }, { spoolDirectory });
    const client = await SmtpTestClient.connect(running.port);
    const body = 'Subject: small\r\n\r\n.dot-stuffed line\r\nend\r\n';
    expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body })).data?.code).toBe(250);
    expect(bodies).toEqual([body, body, body, '0']);
    await client.quit();
  });

  it('gives a reader that starts late, or reads slowly, the same bytes back from the spool file', async () => {
    const digests: string[] = [];
    const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    @Injectable()
    class Readers {
      @OnData({ priority: 2 }) async live(@Ctx() ctx: DataContext) {
        // a reader pausing now and then falls behind what memory keeps of the message
        const slow = (async () => {
          const parts: Buffer[] = [];
          for await (const chunk of ctx.stream) {
            parts.push(chunk as Buffer);
            if (parts.length % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
          }
          return Buffer.concat(parts);
        })();
        digests.push(digest(await streamToBuffer(ctx.stream)), digest(await slow));
      }
      @OnData({ priority: 1 }) async late(@Ctx() ctx: DataContext) {
        digests.push(digest(await streamToBuffer(ctx.stream)), digest(await ctx.buffer()));
      }
    }
    running = await startApp({ providers: [Readers] }, { spoolDirectory, spoolThreshold: 64 * 1024, size: 32 * 1024 * 1024 });
    const line = (i: number) => `${String(i).padStart(8, '0')} ${'x'.repeat(70)}\r\n`;
    const body = `Subject: big\r\n\r\n${Array.from({ length: 100_000 }, (_, i) => line(i)).join('')}`;
    const client = await SmtpTestClient.connect(running.port);
    expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body })).data?.code).toBe(250);
    expect(digests).toEqual(Array(4).fill(digest(Buffer.from(body))));
    await client.quit();
    await waitFor(async () => (await spoolFiles()).length === 0);
  });

  describe('with spoolDirectory: false', () => {
    /**
     * Spool files this process has open (where a spool file would be written but for `false`):
     * its own file descriptors, so that other processes sharing the temporary directory count for nothing.
     */
    const ownSpoolFiles = () =>
      readdirSync('/proc/self/fd')
        .map((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`);
          } catch {
            return '';
          }
        })
        .filter((target) => target.includes('nestjs-fumi') && /\.eml/.test(target));
    const line = (i: number) => `${String(i).padStart(8, '0')} ${'x'.repeat(70)}\r\n`;
    const largeBody = `Subject: big\r\n\r\n${Array.from({ length: 50_000 }, (_, i) => line(i)).join('')}`;
    const digest = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
    const noFile = { spoolDirectory: false, spoolThreshold: 64 * 1024, size: 32 * 1024 * 1024 } as const;

    it('gives streams opened before reading the whole message, a slow one included, with no file', async () => {
      const digests: string[] = [];
      const filesSeen: number[] = [];
      @Injectable()
      class Readers {
        @OnData() async read(@Ctx() ctx: DataContext) {
          const [fast, slowStream] = [ctx.stream, ctx.stream];
          const slow = (async () => {
            const parts: Buffer[] = [];
            for await (const chunk of slowStream) {
              parts.push(chunk as Buffer);
              if (parts.length % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
              if (parts.length === 16) filesSeen.push(ownSpoolFiles().length);
            }
            return Buffer.concat(parts);
          })();
          digests.push(digest(await streamToBuffer(fast)), digest(await slow));
        }
      }
      running = await startApp({ providers: [Readers] }, noFile);
      const client = await SmtpTestClient.connect(running.port);
      expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: largeBody })).data?.code).toBe(250);
      expect(digests).toEqual([digest(largeBody), digest(largeBody)]);
      expect(filesSeen).toEqual([0]);
      await client.quit();
    });

    it('reads a small message as often as asked, and answers 451 when a later handler opens a large one too late', async () => {
      const readLengths: number[] = [];
      const failures: string[] = [];
      @Injectable()
      class Chain {
        @OnData({ priority: 2 }) async first(@Ctx() ctx: DataContext) {
          readLengths.push((await streamToBuffer(ctx.stream)).length);
        }
        @OnData({ priority: 1 }) async second(@Ctx() ctx: DataContext) {
          try {
            readLengths.push((await ctx.buffer()).length);
          } catch (error) {
            failures.push((error as Error).message);
            throw error;
          }
        }
      }
      running = await startApp({ providers: [Chain] }, noFile);
      const client = await SmtpTestClient.connect(running.port);
      const small = 'Subject: small\r\n\r\nhello\r\n';
      expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: small })).data?.code).toBe(250);
      expect(readLengths).toEqual([small.length, small.length]);

      const refused = await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: largeBody });
      expect(refused.data?.code).toBe(451);
      expect(failures).toEqual([expect.stringMatching(/bytes are gone: with spoolDirectory: false/)]);
      // the connection goes on
      expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: small })).data?.code).toBe(250);
      await client.quit();
    });

    it('answers 451 when a handler waits for the whole message before reading it: no reader read on for the data timeout', async () => {
      @Injectable()
      class Waiter {
        @OnData() async wait(@Ctx() ctx: DataContext) {
          const stream = ctx.stream;
          await ctx.received(); // without a file the message cannot all come in before it is read
          await streamToBuffer(stream);
        }
      }
      running = await startApp(
        { providers: [Waiter] },
        { ...noFile, handlerTimeout: { data: 300 } },
      );
      const client = await SmtpTestClient.connect(running.port);
      const started = Date.now();
      expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: largeBody })).data?.code).toBe(451);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: 'Subject: s\r\n\r\nok\r\n' })).data?.code).toBe(250);
      await client.quit();
    });

    it('does not stall the client on a stream a handler opened and left unread', async () => {
      let handled = 0;
      @Injectable()
      class Opener {
        @OnData() async open(@Ctx() ctx: DataContext) {
          void ctx.stream; // opened, never read: the client is held back until the handler is done
          await new Promise((resolve) => setTimeout(resolve, 300));
          handled++;
        }
      }
      running = await startApp({ providers: [Opener] }, noFile);
      const client = await SmtpTestClient.connect(running.port);
      expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: largeBody })).data?.code).toBe(250);
      expect(handled).toBe(1);
      await client.quit();
    });
  });

  it('closes the spool file of a reader dropped while it was reading from the file', async () => {
    const spoolFds = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(spoolDirectory);
        } catch {
          return false; // gone meanwhile
        }
      });
    @Injectable()
    class Dropper {
      @OnData() async drop(@Ctx() ctx: DataContext) {
        await ctx.received();
        // every reader now starts behind memory; each is dropped while opening the file, or
        // while reading it, at a different moment
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => {
            const stream = ctx.stream;
            return new Promise<void>((resolve) => {
              stream.once('close', () => resolve());
              stream.resume();
              setTimeout(() => stream.destroy(), i % 4);
            });
          }),
        );
      }
    }
    running = await startApp({ providers: [Dropper] }, { spoolDirectory, spoolThreshold: 1024 });
    const client = await SmtpTestClient.connect(running.port);
    const body = `Subject: dropped\r\n\r\n${`${'d'.repeat(78)}\r\n`.repeat(20_000)}`;
    expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body })).data?.code).toBe(250);
    await client.quit();
    await waitFor(async () => (await spoolFiles()).length === 0 && spoolFds().length === 0, 2_000);
  });

  it('keeps a message up to spoolThreshold in memory only, and moves only older bytes of a larger one to a file', async () => {
    const seen: { files: number; bytes: number }[] = [];
    @Injectable()
    class Store {
      @OnData() async store(@Ctx() ctx: DataContext) {
        const bytes = (await ctx.buffer()).length;
        // the file is opened in the background: give a large message's the time to show up
        if (bytes > 64 * 1024) await waitFor(async () => (await spoolFiles()).length > 0, 5_000).catch(() => undefined);
        seen.push({ files: (await spoolFiles()).length, bytes });
      }
    }
    running = await startApp({ providers: [Store] }, { spoolDirectory, spoolThreshold: 64 * 1024 });
    const client = await SmtpTestClient.connect(running.port);
    const message = (lines: number) => `Subject: t\r\n\r\n${`${'m'.repeat(78)}\r\n`.repeat(lines)}`;
    for (const lines of [800, 2_000]) {
      expect((await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: message(lines) })).data?.code).toBe(250);
    }
    expect(seen).toEqual([
      { files: 0, bytes: message(800).length }, // 64,015 bytes: fits
      { files: 1, bytes: message(2_000).length },
    ]);
    await client.quit();
  });

  it('answers 451 for a message too large for memory that it cannot spool, and 250 for one that fits', async () => {
    let stored = 0;
    @Injectable()
    class Store {
      @OnData() async store(@Ctx() ctx: DataContext) {
        await ctx.buffer();
        stored++;
      }
    }
    // the directory goes away after bootstrap (bootstrap refuses a missing one), as a disk might fail
    const vanishing = await mkdtemp(join(spoolDirectory, 'vanishing-'));
    running = await startApp({ providers: [Store] }, { spoolDirectory: vanishing, spoolThreshold: 1024 });
    await rm(vanishing, { recursive: true });
    const client = await SmtpTestClient.connect(running.port);
    const large = await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: `Subject: l\r\n\r\n${`${'z'.repeat(78)}\r\n`.repeat(50_000)}` });
    expect(large.data?.code).toBe(451);
    const small = await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: 'Subject: s\r\n\r\nfits\r\n' });
    expect(small.data?.code).toBe(250);
    expect(stored).toBe(1);
    await client.quit();
  });

  describe('size limits', () => {
    const seen: { exceeded: boolean; bytes: number }[] = [];
    @Injectable()
    class Store {
      @OnData() async store(@Ctx() ctx: DataContext) {
        await ctx.received();
        seen.push({ exceeded: ctx.sizeExceeded, bytes: (await ctx.buffer()).length });
      }
    }

    it('advertises SIZE and refuses a too large SIZE= at MAIL FROM with 552 5.3.4', async () => {
      running = await startApp({ providers: [Store] }, { size: 1000 });
      const client = await SmtpTestClient.connect(running.port);
      expect((await client.ehlo()).lines).toContain('SIZE 1000');
      expect(await client.send('MAIL FROM:<a@x.test> SIZE=5000')).toMatchObject({ code: 552, enhancedCode: '5.3.4' });
      expect((await client.send('MAIL FROM:<a@x.test> SIZE=500')).code).toBe(250);
      await client.quit();
    });

    it('refuses a message that overflows with 552 5.3.4 whatever the handlers do, keeping at most the limit', async () => {
      seen.length = 0;
      running = await startApp({ providers: [Store] }, { size: 1000, spoolDirectory });
      const client = await SmtpTestClient.connect(running.port);
      const result = await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: 'x'.repeat(5000) + '\r\n' });
      expect(result.data).toMatchObject({ code: 552, enhancedCode: '5.3.4' });
      expect(seen).toEqual([{ exceeded: true, bytes: 1000 }]);
      // the connection is still good for the next message
      const next = await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: 'Subject: ok\r\n\r\nsmall\r\n' });
      expect(next.data?.code).toBe(250);
      await client.quit();
    });
  });

  it('tells handlers when the client goes away mid-DATA, acknowledges nothing and leaves no spool file', async () => {
    const outcome: string[] = [];
    let failed!: () => void;
    const handlerFailed = new Promise<void>((resolve) => (failed = resolve));
    @Injectable()
    class Store {
      @OnData() async store(@Ctx() ctx: DataContext) {
        try {
          await streamToBuffer(ctx.stream);
          outcome.push('stored');
        } catch (error) {
          outcome.push(`aborted: ${(error as NodeJS.ErrnoException).code}`);
          failed();
          throw error;
        }
      }
    }
    running = await startApp({ providers: [Store] }, { spoolDirectory, spoolThreshold: 1024 });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    await client.send('MAIL FROM:<a@x.test>');
    await client.send('RCPT TO:<b@x.test>');
    expect((await client.send('DATA')).code).toBe(354);
    client.write('Subject: cut\r\n\r\n' + 'y'.repeat(64 * 1024));
    await waitFor(async () => (await spoolFiles()).length === 1); // spooled to a file by now
    client.destroy();
    await handlerFailed;
    expect(outcome).toEqual(['aborted: ECONNECTION']);
    await waitFor(async () => (await spoolFiles()).length === 0);
    await waitFor(async () => running!.server.connections === 0);
  });

  it('builds a Received: trace header', async () => {
    let header = '';
    @Injectable()
    class Store {
      @OnData() store(@Ctx() ctx: DataContext) {
        header = ctx.receivedHeader({ date: new Date(Date.UTC(2026, 10, 24, 9, 5, 3)) });
      }
    }
    running = await startApp({ providers: [Store] }, { hostname: 'mx.example.test' });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo('sender.example');
    await client.sendMail({ from: 'a@x.test', to: 'b@x.test', body: 'Subject: t\r\n\r\nx\r\n' });
    await client.quit();
    expect(header).toMatch(
      /^Received: from sender\.example \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test with ESMTP id [a-z0-9]+\r\n\tfor <b@x\.test>; Tue, 24 Nov 2026 09:05:03 \+0000\r\n$/,
    );
  });

  it('answers LMTP per recipient, in RCPT order, with some accepted and some refused', async () => {
    @Injectable()
    class Deliver {
      @OnData() deliver(@Ctx() ctx: DataContext) {
        for (const rcpt of ctx.session.envelope.rcptTo) {
          if (rcpt.address.startsWith('full')) ctx.rejectRecipient(rcpt, 'Mailbox full', 452, '4.2.2');
          if (rcpt.address.startsWith('gone')) ctx.rejectRecipient(rcpt.address, 'No such user', 550, '5.1.1');
        }
      }
    }
    running = await startApp({ providers: [Deliver] }, { lmtp: true });
    const client = await SmtpTestClient.connect(running.port);
    expect((await client.send('LHLO client.test')).code).toBe(250);
    await client.send('MAIL FROM:<a@x.test>');
    for (const to of ['ok1@x.test', 'full@x.test', 'gone@x.test', 'ok2@x.test']) await client.send(`RCPT TO:<${to}>`);
    expect((await client.send('DATA')).code).toBe(354);
    client.write('Subject: lmtp\r\n\r\nhello\r\n.\r\n');
    const replies = [await client.read(), await client.read(), await client.read(), await client.read()];
    expect(replies.map((r) => [r.code, r.enhancedCode])).toEqual([
      [250, '2.6.0'],
      [452, '4.2.2'],
      [550, '5.1.1'],
      [250, '2.6.0'],
    ]);
    expect(replies[0]!.message).toContain('ok1@x.test');
    await client.quit();
  });

  it('passes protocol extensions through: PIPELINING, 8BITMIME, SMTPUTF8, DSN', async () => {
    const seen: Record<string, unknown>[] = [];
    @Injectable()
    class Look {
      @OnMailFrom() from(@Ctx() ctx: MailFromContext) {
        seen.push({ from: ctx.address.address, args: ctx.address.args });
      }
      @OnRcptTo() to(@Ctx() ctx: RcptToContext) {
        seen.push({ to: ctx.address.address, dsn: ctx.address.dsn });
      }
      @OnData() async data(@Ctx() ctx: DataContext) {
        const { bodyType, smtpUtf8, dsn } = ctx.session.envelope;
        seen.push({ bodyType, smtpUtf8, dsn, body: await text(ctx.stream) });
      }
    }
    running = await startApp({ providers: [Look] }, { hideDSN: false });
    const client = await SmtpTestClient.connect(running.port);
    const ehlo = await client.ehlo();
    for (const feature of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN']) {
      expect(ehlo.lines).toContain(feature);
    }
    const replies = await client.pipeline([
      'MAIL FROM:<jörg@bücher.example> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=abc123',
      'RCPT TO:<zoë@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;zoe@example.test',
      'DATA',
    ]);
    expect(replies.map((r) => r.code)).toEqual([250, 250, 354]);
    client.write('Subject: Grüße\r\n\r\nüñíçødé\r\n.\r\n');
    expect((await client.read()).code).toBe(250);
    await client.quit();
    expect(seen[0]).toMatchObject({ from: 'jörg@bücher.example', args: { BODY: '8BITMIME', SMTPUTF8: true } });
    expect(seen[1]).toMatchObject({ to: 'zoë@example.test', dsn: { notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;zoe@example.test' } });
    expect(seen[2]).toMatchObject({
      bodyType: '8bitmime',
      smtpUtf8: true,
      dsn: { ret: 'HDRS', envid: 'abc123' },
      body: 'Subject: Grüße\r\n\r\nüñíçødé\r\n',
    });
  });

  it('passes REQUIRETLS (RFC 8689) through on a TLS session', async () => {
    const seen: boolean[] = [];
    @Injectable()
    class Look {
      @OnMailFrom() from(@Ctx() ctx: MailFromContext) {
        seen.push(ctx.session.envelope.requireTLS);
      }
    }
    const { key, cert } = await createTestCertificate({ hostnames: ['mail.example.test'] });
    running = await startApp({ providers: [Look] }, { key, cert, hideREQUIRETLS: false });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    await client.startTls({ servername: 'mail.example.test' });
    expect((await client.ehlo()).lines).toContain('REQUIRETLS');
    expect((await client.send('MAIL FROM:<a@x.test> REQUIRETLS')).code).toBe(250);
    await client.send('RSET');
    expect((await client.send('MAIL FROM:<a@x.test>')).code).toBe(250);
    expect(seen).toEqual([true, false]);
    await client.quit();
  });

  it('never ends a message at a bare-LF dot (SMTP smuggling)', async () => {
    const bodies: string[] = [];
    const senders: string[] = [];
    @Injectable()
    class Store {
      @OnMailFrom() from(@Ctx() ctx: MailFromContext) {
        senders.push(ctx.address.address);
      }
      @OnData() async store(@Ctx() ctx: DataContext) {
        bodies.push(await text(ctx.stream));
      }
    }
    running = await startApp({ providers: [Store] });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    await client.send('MAIL FROM:<a@x.test>');
    await client.send('RCPT TO:<b@x.test>');
    await client.send('DATA');
    const smuggled = 'Subject: x\r\n\r\nhi\n.\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@x.test>\r\nDATA\r\nforged\r\n';
    client.write(`${smuggled}.\r\n`);
    expect((await client.read()).code).toBe(250);
    await client.quit();
    expect(senders).toEqual(['a@x.test']);
    // bareLineFeeds defaults to 'normalize': the bare LFs reach the handler as CRLF
    expect(bodies).toEqual([smuggled.replace(/\r?\n/g, '\r\n')]);
  });
});
