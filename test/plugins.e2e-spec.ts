import { Injectable, type LoggerService, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { text } from 'node:stream/consumers';
import {
  allowlist,
  Ctx,
  DataContext,
  denylist,
  type FumiPlugin,
  FumiModule,
  FumiServer,
  type IpAccessList,
  logger,
  MailFromContext,
  maxSize,
  Next,
  type NextFunction,
  OnMailFrom,
  OUTERMOST_PRIORITY,
  rcptFilter,
  requireTls,
  senderBlock,
  SMTPError,
  SmtpException,
} from '../lib/index.js';
import { createTestCertificate, SmtpTestClient } from '../lib/testing/index.js';
import { startApp, testServerOptions, type RunningApp } from './support/app.js';
import { waitFor } from './support/wait-for.js';

describe('built-in plugins and fumi-style middleware', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const connectFrom = (localAddress: string, host = '127.0.0.1') =>
    SmtpTestClient.connect(running!.port, { localAddress, host });

  describe('denylist / allowlist', () => {
    it('refuses listed IPv4 addresses and CIDR ranges at connect, and takes changes at run time', async () => {
      const blocked = denylist(['127.0.0.2', '127.0.1.0/24']);
      running = await startApp({}, { plugins: [blocked] });

      expect((await connectFrom('127.0.0.2')).greeting).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
      expect((await connectFrom('127.0.1.77')).greeting.code).toBe(550);
      const allowed = await connectFrom('127.0.0.3');
      expect(allowed.greeting.code).toBe(220);
      await allowed.quit();

      blocked.deny('127.0.0.3');
      expect((await connectFrom('127.0.0.3')).greeting.code).toBe(550);
      blocked.remove('127.0.0.3');
      const again = await connectFrom('127.0.0.3');
      expect(again.greeting.code).toBe(220);
      await again.quit();
    });

    it('matches IPv6 addresses and ranges', async () => {
      const list = denylist(['::1/128']);
      running = await startApp({}, { host: '::1', plugins: [list] });
      const refused = await SmtpTestClient.connect(running.port, { host: '::1' });
      expect(refused.greeting.code).toBe(550);
      list.remove('::1/128');
      const ok = await SmtpTestClient.connect(running.port, { host: '::1' });
      expect(ok.greeting.code).toBe(220);
      await ok.quit();
      expect(list.isAllowed('2001:db8::1')).toBe(true);
      list.deny('2001:db8::/32');
      expect(list.isAllowed('2001:db8:ffff::1')).toBe(false);
      expect(list.isAllowed('2001:db9::1')).toBe(true);
    });

    it('lets only allowlisted clients in, IPv4-mapped IPv6 included', async () => {
      running = await startApp({}, { host: '::', plugins: [allowlist(['127.0.0.0/30'], { code: 554, message: 'Not here' })] });
      const inside = await connectFrom('127.0.0.2');
      expect(inside.greeting.code).toBe(220);
      await inside.quit();
      expect((await connectFrom('127.0.0.9')).greeting).toMatchObject({ code: 554, message: 'Not here' });
    });

    it('is configured through forRootAsync and changed through DI', async () => {
      const DENYLIST = Symbol('DENYLIST');
      @Module({
        providers: [{ provide: DENYLIST, useFactory: async () => denylist(await Promise.resolve(['127.0.0.4'])) }],
        exports: [DENYLIST],
      })
      class PolicyModule {}
      const moduleRef = await Test.createTestingModule({
        imports: [
          FumiModule.forRootAsync({
            imports: [PolicyModule],
            inject: [DENYLIST],
            useFactory: (list: IpAccessList) => ({ ...testServerOptions(), plugins: [list] }),
          }),
          PolicyModule,
        ],
      }).compile();
      moduleRef.useLogger(false);
      await moduleRef.init();
      running = { app: moduleRef, server: moduleRef.get(FumiServer), port: moduleRef.get(FumiServer).address().port, close: () => moduleRef.close() };
      expect((await connectFrom('127.0.0.4')).greeting.code).toBe(550);
      moduleRef.get<IpAccessList>(DENYLIST).deny('127.0.0.5');
      expect((await connectFrom('127.0.0.5')).greeting.code).toBe(550);
    });
  });

  describe('recipient and sender domains', () => {
    it('accepts recipients of allowed domains only, case-insensitively', async () => {
      running = await startApp({}, { plugins: [rcptFilter(['Example.test']), rcptFilter(['example.test', 'corp.test'], { subdomains: true })] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.send('MAIL FROM:<a@x.test>');
      expect((await client.send('RCPT TO:<bob@EXAMPLE.TEST>')).code).toBe(250);
      expect(await client.send('RCPT TO:<bob@other.test>')).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
      expect((await client.send('RCPT TO:<bob@sub.example.test>')).code).toBe(550); // the first filter is exact
      await client.quit();
    });

    it('blocks senders of listed domains, optionally with subdomains, and can change at run time', async () => {
      const block = senderBlock(['spam.test'], { subdomains: true });
      running = await startApp({}, { plugins: [block] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect(await client.send('MAIL FROM:<x@SPAM.test>')).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
      expect((await client.send('MAIL FROM:<x@mx.spam.test>')).code).toBe(550);
      expect((await client.send('MAIL FROM:<x@notspam.test>')).code).toBe(250);
      await client.send('RSET');
      expect((await client.send('MAIL FROM:<>')).code).toBe(250); // bounces have no domain
      await client.send('RSET');
      block.add('junk.test');
      expect((await client.send('MAIL FROM:<x@junk.test>')).code).toBe(550);
      await client.quit();
    });
  });

  describe('maxSize', () => {
    it('lowers the advertised and enforced size; the smaller limit wins', async () => {
      running = await startApp({}, { size: 5000, plugins: [maxSize(1000)] });
      const client = await SmtpTestClient.connect(running.port);
      expect((await client.ehlo()).lines).toContain('SIZE 1000');
      expect(await client.send('MAIL FROM:<a@x.test> SIZE=2000')).toMatchObject({ code: 552, enhancedCode: '5.3.4' });
      await client.send('MAIL FROM:<a@x.test>');
      await client.send('RCPT TO:<b@x.test>');
      expect(await client.data('x'.repeat(3000) + '\r\n')).toMatchObject({ code: 552, enhancedCode: '5.3.4' });
      await client.quit();
    });
  });

  describe('requireTls', () => {
    it('refuses MAIL FROM before STARTTLS with 530 5.7.0', async () => {
      running = await startApp({}, { plugins: [requireTls()] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect(await client.send('MAIL FROM:<a@x.test>')).toMatchObject({ code: 530, enhancedCode: '5.7.0' });
      await client.quit();
    });

    it('accepts MAIL FROM once the connection is secure', async () => {
      const { key, cert } = await createTestCertificate({ hostnames: ['mail.example.test'] });
      running = await startApp({}, { key, cert, plugins: [requireTls()] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.startTls({ servername: 'mail.example.test' })).code).toBe(220);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<a@x.test>')).code).toBe(250);
      await client.quit();
    });
  });

  describe('logger', () => {
    it('writes one structured line per transaction and per connection', async () => {
      const lines: string[] = [];
      const sink: LoggerService = { log: (m: string) => lines.push(m), warn: () => undefined, error: () => undefined };
      running = await startApp({}, { plugins: [logger({ logger: sink }), rcptFilter(['example.test'])] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo('client.test');
      await client.send('MAIL FROM:<a@x.test>');
      await client.send('RCPT TO:<b@example.test>');
      await client.send('RCPT TO:<c@elsewhere.test>');
      await client.data('Subject: s\r\n\r\nhello\r\n');
      await client.quit();
      await waitFor(() => lines.length === 2);
      expect(lines[0]).toMatch(
        /^session=\w+ client=127\.0\.0\.1 helo=client\.test from=<a@x\.test> to=<b@example\.test> refused=<c@elsewhere\.test>:550 size=\d+ reply=250 duration=\d+ms$/,
      );
      expect(lines[1]).toMatch(/^session=\w+ client=127\.0\.0\.1 helo=client\.test event=close transactions=1 duration=\d+ms$/);
    });
  });

  describe('coming from fumi', () => {
    /** A fumi plugin that records the phases it is called in. */
    const recording = (calls: string[]): FumiPlugin =>
      (app) => {
        app.onConnect(async (_ctx, next) => {
          calls.push('connect');
          await next();
        });
        app.onMailFrom(async (_ctx, next) => {
          calls.push('mailFrom');
          await next();
        });
      };

    it('runs the security built-ins before plugins listed ahead of them (OUTERMOST_PRIORITY)', async () => {
      const calls: string[] = [];
      running = await startApp({}, { plugins: [recording(calls), denylist(['127.0.0.2']), requireTls()] });
      expect((await connectFrom('127.0.0.2')).greeting).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
      const client = await connectFrom('127.0.0.3');
      await client.ehlo();
      expect(await client.send('MAIL FROM:<a@x.test>')).toMatchObject({ code: 530, enhancedCode: '5.7.0' });
      await client.quit();
      // the listed plugin met the allowed connection only, and no cleartext MAIL FROM
      expect(calls).toEqual(['connect']);
      expect(OUTERMOST_PRIORITY).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('runs plugins in the order listed, as fumi does, when the built-ins are given priority 0', async () => {
      const calls: string[] = [];
      running = await startApp(
        {},
        { plugins: [recording(calls), denylist(['127.0.0.2'], { priority: 0 }), requireTls({ priority: 0 })] },
      );
      expect((await connectFrom('127.0.0.2')).greeting.code).toBe(550);
      const client = await connectFrom('127.0.0.3');
      await client.ehlo();
      expect((await client.send('MAIL FROM:<a@x.test>')).code).toBe(530);
      await client.quit();
      expect(calls).toEqual(['connect', 'connect', 'mailFrom']);
    });

    it("answers ctx.reject() in DATA with 550 by default (fumi's is 552)", async () => {
      running = await startApp({}, { plugins: [(app) => app.onData((ctx) => ctx.reject('Not wanted'))] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      const result = await client.sendMail({ from: 'a@x.test', to: ['b@x.test'], body: 'Subject: s\r\n\r\nhi\r\n' });
      expect(result.data).toMatchObject({ code: 550, text: expect.stringContaining('Not wanted') });
      await client.quit();
    });

    it("takes fumi's SMTPError (code 550 by default) as the reply", async () => {
      running = await startApp(
        {},
        {
          plugins: [
            (app) =>
              app.onRcptTo((ctx) => {
                if (ctx.address.address.startsWith('later')) throw new SMTPError('Try again later', 451);
                throw new SMTPError('No such user');
              }),
          ],
        },
      );
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.send('MAIL FROM:<a@x.test>');
      expect(await client.send('RCPT TO:<nobody@x.test>')).toMatchObject({ code: 550, text: expect.stringContaining('No such user') });
      expect(await client.send('RCPT TO:<later@x.test>')).toMatchObject({ code: 451, text: expect.stringContaining('Try again later') });
      expect(new SMTPError('x')).toBeInstanceOf(SmtpException);
      await client.quit();
    });
  });

  describe('fumi-style middleware', () => {
    it('runs plugins and decorated handlers in one chain, in the documented order', async () => {
      const order: string[] = [];
      // fumi plugin code, unchanged but for the import
      const timing: FumiPlugin = (app) => {
        app.onMailFrom(async (ctx, next) => {
          order.push('plugin A before');
          await next();
          order.push('plugin A after');
        });
      };
      const tagging: FumiPlugin = (app) => {
        app.use((inner) => {
          inner.onMailFrom((ctx) => {
            order.push('plugin B (no next)');
            ctx.session.state.tag = 'seen';
          });
        });
      };
      const urgent: FumiPlugin = (app) => {
        app.onMailFrom(async (_ctx, next) => {
          order.push('urgent plugin');
          await next();
        }, { priority: 10 });
      };
      @Injectable()
      class Handlers {
        @OnMailFrom() async handler(@Ctx() ctx: MailFromContext, @Next() next: NextFunction) {
          order.push(`decorated (tag=${String(ctx.session.state.tag)})`);
          await next();
        }
        @OnMailFrom({ priority: 5 }) early() {
          order.push('decorated priority 5');
        }
      }
      running = await startApp({ providers: [Handlers] }, { plugins: [timing, tagging, urgent] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<a@x.test>')).code).toBe(250);
      expect(order).toEqual([
        'urgent plugin',
        'decorated priority 5',
        'plugin A before',
        'plugin B (no next)',
        'decorated (tag=seen)',
        'plugin A after',
      ]);
      await client.quit();
    });

    it('lets plugin middleware reject, read the message and accept logins', async () => {
      const bodies: string[] = [];
      const app: FumiPlugin = (fumi) => {
        fumi.onAuth((ctx) => {
          if (ctx.credentials.password === 'pw') ctx.accept(ctx.credentials.username);
          else ctx.reject('Bad credentials', 535);
        });
        fumi.onRcptTo((ctx) => {
          if (ctx.address.address.startsWith('nobody')) ctx.reject('No such user', 550);
        });
        fumi.onData(async (ctx: DataContext) => {
          bodies.push(await text(ctx.stream));
        });
      };
      running = await startApp({}, { plugins: [app], allowInsecureAuth: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send(`AUTH PLAIN ${Buffer.from('\0u\0nope').toString('base64')}`)).code).toBe(535);
      expect((await client.send(`AUTH PLAIN ${Buffer.from('\0u\0pw').toString('base64')}`)).code).toBe(235);
      const result = await client.sendMail({ from: 'u@x.test', to: ['nobody@x.test', 'some@x.test'], body: 'Subject: p\r\n\r\nbody\r\n' });
      expect(result.rcptTo.map((r) => r.code)).toEqual([550, 250]);
      expect(result.data?.code).toBe(250);
      expect(bodies).toEqual(['Subject: p\r\n\r\nbody\r\n']);
      await client.quit();
    });

    it('refuses a plugins option that is not a list of functions', async () => {
      await expect(
        Test.createTestingModule({ imports: [FumiModule.forRoot({ ...testServerOptions(), plugins: ['logger'] as never })] }).compile(),
      ).rejects.toThrow(/"plugins"/);
    });
  });
});
