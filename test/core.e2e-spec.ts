import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { text } from 'node:stream/consumers';
import nodemailer from 'nodemailer';
import {
  AuthContext,
  Ctx,
  DataContext,
  FumiModule,
  FumiServer,
  InjectFumiServer,
  MailFromContext,
  Next,
  type NextFunction,
  OnAuth,
  OnClose,
  OnConnect,
  OnData,
  OnMailFrom,
  OnRcptTo,
  RcptToContext,
  SmtpContext,
} from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { bootAndClose, startApp, testServerOptions, type RunningApp } from './support/app.js';
import { waitFor } from './support/wait-for.js';

const MESSAGE = 'Subject: hello\r\nFrom: a@example.test\r\n\r\nHi there.\r\n.leading dot\r\n';

describe('core: phases, session, chains', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  describe('session fields in every phase', () => {
    type Snapshot = Record<string, unknown>;
    const seen: Record<string, Snapshot> = {};
    const sessions = new Set<object>();
    let body = '';
    const snap = (ctx: SmtpContext): Snapshot => {
      sessions.add(ctx.session);
      const s = ctx.session;
      return {
        id: s.id,
        remoteAddress: s.remoteAddress,
        clientHostname: s.clientHostname,
        openingCommand: s.openingCommand,
        secure: s.secure,
        user: s.user,
        mailFrom: s.envelope.mailFrom,
        rcptTo: s.envelope.rcptTo.map((r) => r.address),
        transmissionType: s.transmissionType,
      };
    };

    @Injectable()
    class Recorder {
      @OnConnect() connect(@Ctx() ctx: SmtpContext) {
        seen.connect = snap(ctx);
      }
      @OnAuth() auth(@Ctx() ctx: AuthContext) {
        seen.auth = { ...snap(ctx), username: ctx.credentials.username, method: ctx.credentials.method };
        if (ctx.credentials.username === 'alice' && ctx.credentials.password === 'wonderland') ctx.accept('alice');
      }
      @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
        seen.mailFrom = { ...snap(ctx), address: ctx.address };
      }
      @OnRcptTo() rcptTo(@Ctx() ctx: RcptToContext) {
        seen[`rcptTo:${ctx.address.address}`] = snap(ctx);
      }
      @OnData() async data(@Ctx() ctx: DataContext) {
        seen.data = snap(ctx);
        body = await text(ctx.stream);
      }
      @OnClose() close(@Ctx() ctx: SmtpContext) {
        seen.close = snap(ctx);
      }
    }

    it('exposes what each phase knows, on one session object', async () => {
      running = await startApp({ providers: [Recorder] }, { allowInsecureAuth: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo('client.test');
      const auth = await client.send(`AUTH PLAIN ${Buffer.from('\0alice\0wonderland').toString('base64')}`);
      expect(auth.code).toBe(235);
      expect((await client.send('MAIL FROM:<sender@example.test> SIZE=1234')).code).toBe(250);
      expect((await client.send('RCPT TO:<one@example.test>')).code).toBe(250);
      expect((await client.send('RCPT TO:<two@example.test>')).code).toBe(250);
      expect((await client.data(MESSAGE)).code).toBe(250);
      await client.quit();
      await waitFor(() => seen.close !== undefined);

      expect(sessions.size).toBe(1);
      expect(seen.connect).toMatchObject({
        remoteAddress: '127.0.0.1',
        clientHostname: undefined,
        openingCommand: undefined,
        secure: false,
        user: undefined,
        mailFrom: undefined,
      });
      expect(typeof seen.connect!.id).toBe('string');
      expect(seen.auth).toMatchObject({ clientHostname: 'client.test', openingCommand: 'EHLO', username: 'alice', method: 'PLAIN' });
      expect(seen.mailFrom).toMatchObject({
        user: 'alice',
        transmissionType: 'ESMTPA',
        mailFrom: { address: 'sender@example.test', args: { SIZE: '1234' } },
        address: { address: 'sender@example.test', args: { SIZE: '1234' } },
        rcptTo: [],
      });
      expect(seen['rcptTo:one@example.test']!.rcptTo).toEqual([]);
      expect(seen['rcptTo:two@example.test']!.rcptTo).toEqual(['one@example.test']);
      expect(seen.data).toMatchObject({ rcptTo: ['one@example.test', 'two@example.test'], user: 'alice' });
      expect(body).toBe(MESSAGE);
      for (const phase of ['auth', 'mailFrom', 'data', 'close']) expect(seen[phase]!.id).toBe(seen.connect!.id);
    });

    it('gives args {} when a command has no parameters', async () => {
      running = await startApp({ providers: [Recorder] }, { authOptional: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<>')).code).toBe(250);
      expect(seen.mailFrom).toMatchObject({ address: { address: '', args: {} } });
      await client.quit();
    });
  });

  describe('chain composition', () => {
    const order: string[] = [];
    beforeEach(() => (order.length = 0));

    @Injectable()
    class Outer {
      @OnMailFrom({ priority: 10 })
      async wrap(@Ctx() _ctx: MailFromContext, @Next() next: NextFunction) {
        order.push('1 before');
        await next();
        order.push('1 after');
      }
    }

    @Injectable()
    class Middle {
      // fumi style: no decorators, `(ctx, next)` in the signature
      @OnMailFrom({ priority: 5 })
      async wrap(_ctx: MailFromContext, next: NextFunction) {
        order.push('2 before');
        await next();
        order.push('2 after');
      }
    }

    @Injectable()
    class Inner {
      @OnMailFrom() first() {
        order.push('3');
      }
      @OnMailFrom() second() {
        order.push('4');
      }
    }

    @Injectable()
    class Gate {
      @OnRcptTo({ priority: 1 })
      gate(@Ctx() ctx: RcptToContext, @Next() next: NextFunction) {
        order.push('gate');
        // deciding not to call next(): the rest of the chain does not run
        if (ctx.address.address !== 'stop@example.test') return next();
        return undefined;
      }
      @OnRcptTo() after() {
        order.push('after gate');
      }
    }

    it('runs 1 before → 2 before → 3 → 4 → 2 after → 1 after', async () => {
      running = await startApp({ providers: [Inner, Middle, Outer] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
      expect(order).toEqual(['1 before', '2 before', '3', '4', '2 after', '1 after']);
      await client.quit();
    });

    it('lets a handler that takes next() stop the chain', async () => {
      running = await startApp({ providers: [Gate] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.send('MAIL FROM:<a@example.test>');
      expect((await client.send('RCPT TO:<stop@example.test>')).code).toBe(250);
      expect(order).toEqual(['gate']);
      expect((await client.send('RCPT TO:<go@example.test>')).code).toBe(250);
      expect(order).toEqual(['gate', 'gate', 'after gate']);
      await client.quit();
    });

    it('answers 451 when next() is called twice', async () => {
      @Injectable()
      class Twice {
        @OnMailFrom() async twice(@Next() next: NextFunction) {
          await next();
          await next();
        }
      }
      running = await startApp({ providers: [Twice] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(451);
      await client.quit();
    });

    it('binds a provider aliased with useExisting once', async () => {
      running = await startApp({ providers: [Inner, { provide: 'ALIAS', useExisting: Inner }] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.send('MAIL FROM:<a@example.test>');
      expect(order).toEqual(['3', '4']);
      await client.quit();
    });
  });

  describe('replies', () => {
    @Injectable()
    class Rejecting {
      @OnConnect() connect(@Ctx() ctx: SmtpContext) {
        if (ctx.session.remoteAddress === '127.0.0.2') ctx.reject('Not from there', 554);
      }
      @OnAuth() auth(@Ctx() ctx: AuthContext) {
        if (ctx.credentials.password === 'right') return ctx.accept({ name: ctx.credentials.username });
        if (ctx.credentials.password === 'custom') ctx.reject('Locked', 454);
        ctx.reject();
      }
      @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
        if (ctx.address.address === 'boom@example.test') throw new Error('database down: secret internals');
        if (ctx.address.address === 'no@example.test') ctx.reject();
      }
      @OnRcptTo() rcptTo(@Ctx() ctx: RcptToContext) {
        if (ctx.address.address === 'gone@example.test') ctx.reject('No such user', 551);
        if (ctx.address.address === 'hang@example.test') return new Promise(() => undefined);
        return undefined;
      }
      @OnData() async data(@Ctx() ctx: DataContext) {
        const body = await text(ctx.stream);
        if (body.includes('spam')) ctx.reject('Looks like spam', 554, '5.7.1');
        if (body.includes('crash')) throw new TypeError('undefined is not a function');
      }
    }

    it('refuses per phase with the documented defaults and custom codes', async () => {
      running = await startApp({ providers: [Rejecting] }, { allowInsecureAuth: true, authOptional: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      const plain = (user: string, pass: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`;
      expect((await client.send(plain('bob', 'wrong'))).code).toBe(535);
      expect((await client.send(plain('bob', 'custom'))).code).toBe(454);
      const mail = await client.send('MAIL FROM:<no@example.test>');
      expect(mail.code).toBe(550);
      expect(mail.enhancedCode).toBe('5.7.1');
      expect((await client.send('MAIL FROM:<ok@example.test>')).code).toBe(250);
      const rcpt = await client.send('RCPT TO:<gone@example.test>');
      expect(rcpt).toMatchObject({ code: 551, message: 'No such user' });
      expect((await client.send('RCPT TO:<here@example.test>')).code).toBe(250);
      const data = await client.data('Subject: x\r\n\r\nspam spam\r\n');
      expect(data).toMatchObject({ code: 554, text: '5.7.1 Looks like spam' });
      await client.quit();
    });

    it('refuses a connection in onConnect and closes it', async () => {
      running = await startApp({ providers: [Rejecting] });
      const client = await SmtpTestClient.connect(running.port, { localAddress: '127.0.0.2' });
      expect(client.greeting).toMatchObject({ code: 554, text: 'Not from there' });
      await client.closed;
    });

    it('answers 451 for a plain Error without leaking it, and the session goes on', async () => {
      running = await startApp({ providers: [Rejecting] }, { authOptional: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      const failed = await client.send('MAIL FROM:<boom@example.test>');
      expect(failed).toMatchObject({ code: 451, enhancedCode: '4.3.0' });
      expect(failed.text).not.toContain('database');
      const next = await client.sendMail({ from: 'ok@example.test', to: 'here@example.test', body: MESSAGE });
      expect(next.data?.code).toBe(250);
      const crash = await client.sendMail({ from: 'ok@example.test', to: 'here@example.test', body: 'crash\r\n' });
      expect(crash.data?.code).toBe(451);
      const again = await client.sendMail({ from: 'ok@example.test', to: 'here@example.test', body: MESSAGE });
      expect(again.data?.code).toBe(250);
      await client.quit();
    });

    it('answers 451 4.4.2 when a chain never settles, and frees the session', async () => {
      running = await startApp({ providers: [Rejecting] }, { handlerTimeout: { rcptTo: 200 }, authOptional: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.send('MAIL FROM:<ok@example.test>');
      const hung = await client.send('RCPT TO:<hang@example.test>');
      expect(hung).toMatchObject({ code: 451, enhancedCode: '4.4.2' });
      expect((await client.send('RCPT TO:<here@example.test>')).code).toBe(250);
      expect((await client.data(MESSAGE)).code).toBe(250);
      await client.quit();
    });

    it('logs the client in only when a handler accepts', async () => {
      running = await startApp({ providers: [Rejecting] }, { allowInsecureAuth: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<ok@example.test>')).code).toBe(530);
      const login = await client.send(`AUTH PLAIN ${Buffer.from('\0carol\0right').toString('base64')}`);
      expect(login.code).toBe(235);
      expect((await client.send('MAIL FROM:<ok@example.test>')).code).toBe(250);
      await client.quit();
    });

    it('answers 535 when no handler accepts', async () => {
      @Injectable()
      class Silent {
        @OnAuth() auth() {
          // looks at the credentials and decides nothing
        }
      }
      running = await startApp({ providers: [Silent] }, { allowInsecureAuth: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send(`AUTH PLAIN ${Buffer.from('\0x\0y').toString('base64')}`)).code).toBe(535);
      await client.quit();
    });

    it('accepts messages when there is no @OnData handler, and offers no AUTH without @OnAuth', async () => {
      running = await startApp({ providers: [] });
      const client = await SmtpTestClient.connect(running.port);
      const ehlo = await client.ehlo();
      expect(ehlo.text).not.toMatch(/AUTH/);
      const result = await client.sendMail({ from: 'a@example.test', to: 'b@example.test', body: MESSAGE });
      expect(result.data?.code).toBe(250);
      await client.quit();
    });
  });

  describe('state across phases', () => {
    type Role = { role: 'admin' | 'user' };

    @Injectable()
    class Roles {
      @OnAuth() auth(@Ctx() ctx: AuthContext<Role, string>) {
        const { username, password } = ctx.credentials;
        if (password !== 'secret') ctx.reject();
        ctx.session.state.role = username === 'root' ? 'admin' : 'user';
        ctx.accept(username);
      }
      @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext<Role, string>) {
        if (ctx.address.address.endsWith('@admin.example') && ctx.session.state.role !== 'admin') {
          ctx.reject('Only admins may send as admin.example', 550, '5.7.1');
        }
      }
    }

    const login = async (user: string) => {
      const client = await SmtpTestClient.connect(running!.port);
      await client.ehlo();
      expect((await client.send(`AUTH PLAIN ${Buffer.from(`\0${user}\0secret`).toString('base64')}`)).code).toBe(235);
      return client;
    };

    it('carries the role set in onAuth to onMailFrom, per connection', async () => {
      running = await startApp({ providers: [Roles] }, { allowInsecureAuth: true });
      const root = await login('root');
      const alice = await login('alice');
      expect((await root.send('MAIL FROM:<boss@admin.example>')).code).toBe(250);
      expect((await alice.send('MAIL FROM:<boss@admin.example>')).code).toBe(550);
      expect((await alice.send('MAIL FROM:<alice@example.test>')).code).toBe(250);
      await Promise.all([root.quit(), alice.quit()]);
    });
  });

  describe('real client', () => {
    it('receives a message sent with nodemailer', async () => {
      const received: { from?: string; to: string[]; body: string }[] = [];
      @Injectable()
      class Inbox {
        @OnData() async store(@Ctx() ctx: DataContext) {
          received.push({
            from: ctx.session.envelope.mailFrom?.address,
            to: ctx.session.envelope.rcptTo.map((r) => r.address),
            body: await text(ctx.stream),
          });
        }
      }
      running = await startApp({ providers: [Inbox] });
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: running.port, secure: false });
      const info = await transport.sendMail({
        from: 'sender@example.test',
        to: ['x@example.test', 'y@example.test'],
        subject: 'Greetings',
        text: 'Hello from nodemailer',
      });
      transport.close();
      expect(info.accepted).toEqual(['x@example.test', 'y@example.test']);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ from: 'sender@example.test', to: ['x@example.test', 'y@example.test'] });
      expect(received[0]!.body).toContain('Subject: Greetings');
      expect(received[0]!.body).toContain('Hello from nodemailer');
    });
  });

  describe('several servers', () => {
    it('runs two named servers on two ports with separate handlers', async () => {
      const seen: string[] = [];
      @Injectable()
      class MxHandlers {
        @OnRcptTo({ server: 'mx' }) rcpt(@Ctx() ctx: RcptToContext) {
          seen.push(`mx:${ctx.address.address}`);
          if (!ctx.address.address.endsWith('@local.test')) ctx.reject('Relay denied', 550, '5.7.1');
        }
      }
      @Injectable()
      class SubmissionHandlers {
        @OnRcptTo({ server: 'submission' }) rcpt(@Ctx() ctx: RcptToContext) {
          seen.push(`submission:${ctx.address.address}`);
        }
      }
      @Injectable()
      class Ports {
        constructor(
          @InjectFumiServer('mx') readonly mx: FumiServer,
          @InjectFumiServer('submission') readonly submission: FumiServer,
        ) {}
      }
      const moduleRef = await Test.createTestingModule({
        imports: [
          FumiModule.forRoot({ ...testServerOptions(), name: 'mx' }),
          FumiModule.forRootAsync({ name: 'submission', useFactory: async () => testServerOptions() }),
        ],
        providers: [MxHandlers, SubmissionHandlers, Ports],
      }).compile();
      moduleRef.useLogger(false);
      await moduleRef.init();
      running = { app: moduleRef, server: moduleRef.get(Ports).mx, port: 0, close: () => moduleRef.close() };
      const { mx, submission } = moduleRef.get(Ports);
      expect(mx.name).toBe('mx');
      expect(mx.address().port).not.toBe(submission.address().port);

      const toMx = await SmtpTestClient.connect(mx.address().port);
      await toMx.ehlo();
      await toMx.send('MAIL FROM:<a@example.test>');
      expect((await toMx.send('RCPT TO:<far@away.test>')).code).toBe(550);
      const toSubmission = await SmtpTestClient.connect(submission.address().port);
      await toSubmission.ehlo();
      await toSubmission.send('MAIL FROM:<a@example.test>');
      expect((await toSubmission.send('RCPT TO:<far@away.test>')).code).toBe(250);
      expect(seen).toEqual(['mx:far@away.test', 'submission:far@away.test']);
      await Promise.all([toMx.quit(), toSubmission.quit()]);
    });
  });

  describe('shutdown', () => {
    it('finishes a transaction in flight, closes idle sessions at once, then stops', async () => {
      let release!: () => void;
      const storing = new Promise<void>((resolve) => (release = resolve));
      const stored: string[] = [];
      let dataStarted!: () => void;
      const started = new Promise<void>((resolve) => (dataStarted = resolve));
      @Injectable()
      class SlowStore {
        @OnData() async store(@Ctx() ctx: DataContext) {
          const body = await text(ctx.stream);
          dataStarted();
          await storing;
          stored.push(body);
        }
      }
      running = await startApp({ providers: [SlowStore] }, { closeTimeout: 5_000 });
      const port = running.port;
      const idle = await SmtpTestClient.connect(port);
      await idle.ehlo();
      const busy = await SmtpTestClient.connect(port);
      await busy.ehlo();
      await busy.send('MAIL FROM:<a@example.test>');
      await busy.send('RCPT TO:<b@example.test>');
      const reply = busy.data(MESSAGE);
      await started;

      const closing = running.close();
      running = undefined;
      await idle.closed; // idle session: told 421 and closed without waiting for the grace period
      expect(busy.isClosed).toBe(false);
      release();
      expect((await reply).code).toBe(250);
      expect(stored).toEqual([MESSAGE]);
      await busy.closed;
      await closing;
      await expect(SmtpTestClient.connect(port, { timeout: 1_000 })).rejects.toThrow();
    });
  });

  describe('bootstrap errors', () => {

    it.each([
      [{ port: -1 }, /"port".*integer from 0 to 65535/],
      [{ port: 70000 }, /"port"/],
      [{ authMethods: ['PLAIN', 'NTLM'] }, /"authMethods".*NTLM/],
      [{ secure: true }, /"secure".*certificate/],
      [{ prot: 25 }, /"prot".*not a known option/],
      [{ onData: () => undefined }, /"onData".*@OnData\(\)/],
      [{ handlerTimeout: { dta: 5 } }, /"handlerTimeout".*unknown phase "dta"/],
      [{ size: 'big' }, /"size"/],
      [{ spoolDirectory: '/nonexistent/fumi-spool' }, /"spoolDirectory".*writable directory.*ENOENT/],
      [{ spoolDirectory: true }, /"spoolDirectory".*or false for no spool file, got true/],
    ])('fails with the option named: %j', async (options, message) => {
      await expect(bootAndClose(options)).rejects.toThrow(message);
    });

    it('names the option when forRootAsync produces it', async () => {
      const moduleRef = Test.createTestingModule({
        imports: [FumiModule.forRootAsync({ useFactory: () => ({ ...testServerOptions(), maxClients: 0 }) })],
      });
      await expect(moduleRef.compile()).rejects.toThrow(/"maxClients"/);
    });

    it('explains that a server is named outside the options factory', async () => {
      const moduleRef = Test.createTestingModule({
        imports: [FumiModule.forRootAsync({ useFactory: () => ({ ...testServerOptions(), name: 'mx' }) as never })],
      });
      await expect(moduleRef.compile()).rejects.toThrow(/"name".*forRoot\(\)\/forRootAsync\(\) itself.*'hostname'/);
    });

    it('fails when a handler names a server nobody declared', async () => {
      @Injectable()
      class Lost {
        @OnMailFrom({ server: 'submision' }) typo() {}
      }
      await expect(bootAndClose({}, [Lost])).rejects.toThrow(/Lost\.typo.*"submision".*"default"/);
    });

    it('fails when the same server name is imported twice', async () => {
      const moduleRef = Test.createTestingModule({
        imports: [
          FumiModule.forRoot({ ...testServerOptions(), name: 'mx' }),
          FumiModule.forRoot({ ...testServerOptions({ banner: 'other' }), name: 'mx' }),
        ],
      });
      await expect(moduleRef.compile()).rejects.toThrow(/"mx" is registered twice/);
    });

    it('fails clearly when the port is taken', async () => {
      running = await startApp({ providers: [] });
      await expect(bootAndClose({ port: running.port })).rejects.toThrow(
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${running.port}: .*EADDRINUSE`),
      );
    });
  });
});
