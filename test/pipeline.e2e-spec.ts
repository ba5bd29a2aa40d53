import {
  type ArgumentsHost,
  BadRequestException,
  type CallHandler,
  type CanActivate,
  Catch,
  Controller,
  createParamDecorator,
  type ExceptionFilter,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Inject,
  Injectable,
  InternalServerErrorException,
  type NestInterceptor,
  type PipeTransform,
  Scope,
  UnauthorizedException,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, BaseExceptionFilter } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsEmail, IsString, NotContains } from 'class-validator';
import { text } from 'node:stream/consumers';
import { finalize, from, map, type Observable, tap } from 'rxjs';
import {
  AuthContext,
  AuthUser,
  BaseFumiExceptionFilter,
  Credentials,
  Ctx,
  DataContext,
  Envelope,
  FUMI_CONTEXT_TYPE,
  type FumiContextType,
  FumiExecutionContext,
  FumiModule,
  FumiServer,
  FumiSession,
  InjectSmtpSession,
  MailFrom,
  MailFromContext,
  MessageStream,
  OnAuth,
  OnData,
  OnMailFrom,
  OnRcptTo,
  RcptTo,
  type SmtpAddress,
  type SmtpCredentials,
  type SmtpEnvelope,
  SmtpException,
  SmtpSession,
} from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, testServerOptions, type RunningApp } from './support/app.js';

const MESSAGE = 'Subject: t\r\n\r\nbody\r\n';
const plainAuth = (user: string, pass: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`;

describe('Nest pipeline for SMTP handlers', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const session = async (port: number) => {
    const client = await SmtpTestClient.connect(port);
    await client.ehlo();
    return client;
  };

  describe('execution context', () => {
    it("reports type 'fumi' and exposes phase, context and session to guards", async () => {
      const seen: unknown[] = [];
      @Injectable()
      class Spy implements CanActivate {
        canActivate(context: ExecutionContext) {
          const fumi = FumiExecutionContext.create(context);
          seen.push({
            type: context.getType(),
            phase: fumi.getPhase(),
            address: fumi.getContext<MailFromContext>().address.address,
            sessionIsFumi: fumi.getSession() instanceof FumiSession,
            handler: fumi.getHandler().name,
            cls: fumi.getClass().name,
          });
          return true;
        }
      }
      @Injectable()
      class Handlers {
        @UseGuards(Spy)
        @OnMailFrom()
        checkSender() {}
      }
      running = await startApp({ providers: [Handlers] });
      const client = await session(running.port);
      expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
      expect(seen).toEqual([
        { type: FUMI_CONTEXT_TYPE, phase: 'mailFrom', address: 'a@example.test', sessionIsFumi: true, handler: 'checkSender', cls: 'Handlers' },
      ]);
      await client.quit();
    });
  });

  describe('guards', () => {
    @Injectable()
    class NotFromSpammer implements CanActivate {
      canActivate(context: ExecutionContext) {
        const ctx = FumiExecutionContext.create(context).getContext();
        return ctx.phase !== 'mailFrom' || ctx.address.address !== 'spammer@bad.test';
      }
    }

    @Injectable()
    class Throttle implements CanActivate {
      canActivate(): boolean {
        throw new SmtpException('Slow down', 421, '4.7.0');
      }
    }

    @Injectable()
    class MustBeLoggedIn implements CanActivate {
      canActivate(context: ExecutionContext) {
        return FumiExecutionContext.create(context).getSession().user !== undefined;
      }
    }

    @UseGuards(NotFromSpammer)
    @Injectable()
    class Guarded {
      @OnMailFrom() mailFrom() {}

      @UseGuards(MustBeLoggedIn)
      @OnRcptTo()
      rcptTo() {}

      @OnAuth() auth(@Ctx() ctx: AuthContext) {
        ctx.accept(ctx.credentials.username);
      }
    }

    it('denies one sender and allows another (class-level guard), 550 5.7.1 on a server without AUTH', async () => {
      @UseGuards(NotFromSpammer)
      @Injectable()
      class Mx {
        @OnMailFrom() mailFrom() {}
      }
      running = await startApp({ providers: [Mx] });
      const client = await session(running.port);
      const denied = await client.send('MAIL FROM:<spammer@bad.test>');
      expect(denied).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
      expect((await client.send('MAIL FROM:<friend@good.test>')).code).toBe(250);
      await client.quit();
    });

    it('answers 530 5.7.0 when a guard denies an unauthenticated client, and lets it in after AUTH', async () => {
      running = await startApp({ providers: [Guarded] }, { authOptional: true, allowInsecureAuth: true });
      const client = await session(running.port);
      await client.send('MAIL FROM:<friend@good.test>');
      expect(await client.send('RCPT TO:<x@y.test>')).toMatchObject({ code: 530, enhancedCode: '5.7.0' });
      await client.send('RSET');
      expect((await client.send(plainAuth('bob', 'pw'))).code).toBe(235);
      await client.send('MAIL FROM:<friend@good.test>');
      expect((await client.send('RCPT TO:<x@y.test>')).code).toBe(250);
      await client.quit();
    });

    it('lets a guard choose its reply by throwing SmtpException', async () => {
      @Injectable()
      class Handlers {
        @UseGuards(Throttle) @OnMailFrom() mailFrom() {}
      }
      running = await startApp({ providers: [Handlers] });
      const client = await session(running.port);
      expect(await client.send('MAIL FROM:<a@b.test>')).toMatchObject({ code: 421, text: '4.7.0 Slow down' });
      await client.closed; // 421 closes the connection
    });

    it('maps HTTP exceptions to SMTP replies', async () => {
      @Injectable()
      class Handlers {
        @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
          switch (ctx.address.address) {
            case 'unauth@x.test':
              throw new UnauthorizedException('Log in first');
            case 'forbidden@x.test':
              throw new ForbiddenException('Not you');
            case 'bad@x.test':
              throw new BadRequestException('Malformed');
            case 'internal@x.test':
              throw new InternalServerErrorException('db password is hunter2');
          }
        }
      }
      running = await startApp({ providers: [Handlers] });
      const client = await session(running.port);
      expect(await client.send('MAIL FROM:<unauth@x.test>')).toMatchObject({ code: 530, text: '5.7.0 Log in first' });
      expect(await client.send('MAIL FROM:<forbidden@x.test>')).toMatchObject({ code: 550, text: '5.7.1 Not you' });
      expect(await client.send('MAIL FROM:<bad@x.test>')).toMatchObject({ code: 550, text: '5.5.4 Malformed' });
      const internal = await client.send('MAIL FROM:<internal@x.test>');
      expect(internal).toMatchObject({ code: 451, enhancedCode: '4.3.0' });
      expect(internal.text).not.toContain('hunter2');
      await client.quit();
    });

    it('runs global guards (APP_GUARD) for SMTP handlers', async () => {
      const calls: string[] = [];
      @Injectable()
      class GlobalGuard implements CanActivate {
        canActivate(context: ExecutionContext) {
          if (context.getType<FumiContextType>() !== FUMI_CONTEXT_TYPE) return true;
          const phase = FumiExecutionContext.create(context).getPhase();
          calls.push(phase);
          return FumiExecutionContext.create(context).getContext<MailFromContext>().address?.address !== 'no@x.test';
        }
      }
      @Injectable()
      class Handlers {
        @OnMailFrom() mailFrom() {}
      }
      running = await startApp({ providers: [Handlers, { provide: APP_GUARD, useClass: GlobalGuard }] });
      const client = await session(running.port);
      expect((await client.send('MAIL FROM:<no@x.test>')).code).toBe(550);
      expect((await client.send('MAIL FROM:<yes@x.test>')).code).toBe(250);
      expect(calls).toEqual(['mailFrom', 'mailFrom']);
      await client.quit();
    });
  });

  describe('interceptors', () => {
    const order: string[] = [];
    beforeEach(() => (order.length = 0));

    const named = (name: string): NestInterceptor => ({
      intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
        order.push(`${name} before`);
        return next.handle().pipe(finalize(() => order.push(`${name} after`)));
      },
    });
    @Injectable()
    class Outer implements NestInterceptor {
      intercept(c: ExecutionContext, n: CallHandler) {
        return named('outer').intercept(c, n);
      }
    }
    @Injectable()
    class Inner implements NestInterceptor {
      intercept(c: ExecutionContext, n: CallHandler) {
        return named('inner').intercept(c, n);
      }
    }
    @Injectable()
    class Global implements NestInterceptor {
      intercept(c: ExecutionContext, n: CallHandler) {
        return named('global').intercept(c, n);
      }
    }
    @Injectable()
    class Timing implements NestInterceptor {
      intercept(_c: ExecutionContext, next: CallHandler) {
        const started = process.hrtime.bigint();
        return next.handle().pipe(tap(() => order.push(`took ${process.hrtime.bigint() - started >= 0n}`)));
      }
    }

    it('wraps handlers in global, class and method interceptors, in Nest order', async () => {
      @UseInterceptors(Outer)
      @Injectable()
      class Handlers {
        @UseInterceptors(Inner, Timing)
        @OnMailFrom()
        async mailFrom() {
          order.push('handler (promise)');
        }

        @OnRcptTo()
        rcptTo(): Observable<void> {
          return from([1, 2]).pipe(
            tap((n) => order.push(`handler (observable ${n})`)),
            map(() => undefined),
          );
        }
      }
      running = await startApp({ providers: [Handlers, { provide: APP_INTERCEPTOR, useClass: Global }] });
      const client = await session(running.port);
      expect((await client.send('MAIL FROM:<a@x.test>')).code).toBe(250);
      expect(order).toEqual([
        'global before',
        'outer before',
        'inner before',
        'handler (promise)',
        'took true',
        'inner after',
        'outer after',
        'global after',
      ]);
      order.length = 0;
      expect((await client.send('RCPT TO:<b@x.test>')).code).toBe(250);
      expect(order).toEqual([
        'global before',
        'outer before',
        'handler (observable 1)',
        'handler (observable 2)',
        'outer after',
        'global after',
      ]);
      await client.quit();
    });

    it('lets an interceptor turn an error into a reply', async () => {
      @Injectable()
      class TempFail implements NestInterceptor {
        intercept(_c: ExecutionContext, next: CallHandler) {
          return next.handle().pipe(
            tap({
              error: () => {
                throw new SmtpException('Storage busy, try later', 452, '4.3.1');
              },
            }),
          );
        }
      }
      @Injectable()
      class Handlers {
        @UseInterceptors(TempFail) @OnMailFrom() mailFrom() {
          throw new Error('disk full');
        }
      }
      running = await startApp({ providers: [Handlers] });
      const client = await session(running.port);
      expect(await client.send('MAIL FROM:<a@x.test>')).toMatchObject({ code: 452, text: '4.3.1 Storage busy, try later' });
      await client.quit();
    });
  });

  describe('parameter decorators and pipes', () => {
    it('injects session, envelope, addresses, credentials, user and stream', async () => {
      const seen: Record<string, unknown> = {};
      const Lowercase = (): PipeTransform => ({ transform: (v: string) => v.toLowerCase() });
      const ClientName = createParamDecorator((_data: unknown, context: ExecutionContext) => {
        return FumiExecutionContext.create(context).getSession().clientHostname;
      });
      @Injectable()
      class Handlers {
        @OnAuth() auth(@Credentials() credentials: SmtpCredentials, @Ctx() ctx: AuthContext) {
          seen.credentials = credentials.username;
          ctx.accept({ id: 7, name: credentials.username });
        }
        @OnMailFrom() mailFrom(
          @MailFrom() sender: SmtpAddress,
          @RcptTo() current: SmtpAddress,
          @SmtpSession('remoteAddress') ip: string,
          @SmtpSession('openingCommand', Lowercase()) opening: string,
          @AuthUser() user: { id: number },
          @ClientName() name: string,
        ) {
          Object.assign(seen, { sender: sender.address, current: current.address, ip, opening, user, name });
        }
        @OnRcptTo() rcptTo(@RcptTo() rcpt: SmtpAddress, @Envelope() envelope: SmtpEnvelope, @SmtpSession() s: FumiSession) {
          seen.rcpt = rcpt.address;
          seen.envelopeSender = envelope.mailFrom?.address;
          seen.session = s.id;
        }
        @OnData() async data(@MessageStream() stream: NodeJS.ReadableStream) {
          seen.body = await text(stream as never);
        }
      }
      running = await startApp({ providers: [Handlers] }, { allowInsecureAuth: true });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo('Client.Example');
      await client.send(plainAuth('dora', 'x'));
      const result = await client.sendMail({ from: 'Sender@X.test', to: 'r@x.test', body: MESSAGE });
      expect(result.data?.code).toBe(250);
      expect(seen).toMatchObject({
        credentials: 'dora',
        sender: 'Sender@X.test',
        current: 'Sender@X.test',
        ip: '127.0.0.1',
        opening: 'ehlo',
        user: { id: 7, name: 'dora' },
        name: 'client.example',
        rcpt: 'r@x.test',
        envelopeSender: 'Sender@X.test',
        body: MESSAGE,
      });
      expect(typeof seen.session).toBe('string');
      await client.quit();
    });

    class SenderDto {
      @IsEmail({}, { message: 'sender must be a valid e-mail address' })
      address!: string;
    }
    class RecipientDto {
      @IsString()
      @NotContains('+', { message: 'sub-addressing is not accepted' })
      address!: string;
    }

    it('validates addresses with ValidationPipe and class-validator DTOs', async () => {
      const validated: unknown[] = [];
      @Injectable()
      class Handlers {
        @OnMailFrom() mailFrom(@MailFrom(new ValidationPipe({ transform: true })) sender: SenderDto) {
          validated.push(sender instanceof SenderDto);
        }
        @UsePipes(new ValidationPipe())
        @OnRcptTo()
        rcptTo(@RcptTo() recipient: RecipientDto) {
          validated.push(recipient.address);
        }
      }
      running = await startApp({ providers: [Handlers] });
      const client = await session(running.port);
      const bad = await client.send('MAIL FROM:<root@localhost>');
      expect(bad.code).toBeGreaterThanOrEqual(500);
      expect(bad.text).toContain('sender must be a valid e-mail address');
      expect((await client.send('MAIL FROM:<ok@x.test>')).code).toBe(250);
      const sub = await client.send('RCPT TO:<me+tag@x.test>');
      expect(sub).toMatchObject({ code: 550 });
      expect(sub.text).toContain('sub-addressing is not accepted');
      expect((await client.send('RCPT TO:<me@x.test>')).code).toBe(250);
      expect(validated).toEqual([true, 'me@x.test']);
      await client.quit();
    });

    it('transforms a value with a parameter pipe', async () => {
      const domains: string[] = [];
      const DomainOf: PipeTransform<SmtpAddress, string> = {
        transform: (value) => value.address.split('@')[1]!.toLowerCase(),
      };
      @Injectable()
      class Handlers {
        @OnRcptTo() rcptTo(@RcptTo(DomainOf) domain: string) {
          domains.push(domain);
        }
      }
      running = await startApp({ providers: [Handlers] });
      const client = await session(running.port);
      await client.send('MAIL FROM:<a@x.test>');
      await client.send('RCPT TO:<b@Example.TEST>');
      expect(domains).toEqual(['example.test']);
      await client.quit();
    });
  });

  describe('exception filters', () => {
    class QuotaError extends Error {}

    @Catch(QuotaError)
    class QuotaFilter implements ExceptionFilter {
      catch(): never {
        throw new SmtpException('Mailbox full', 452, '4.2.2');
      }
    }

    @Catch()
    class EverythingFilter extends BaseFumiExceptionFilter {
      override catch(exception: unknown, host: ArgumentsHost): never {
        if (exception instanceof RangeError) throw new SmtpException('Out of range', 553, '5.1.3');
        return super.catch(exception, host);
      }
    }

    it('turns errors into the replies filters choose', async () => {
      @UseFilters(EverythingFilter)
      @Injectable()
      class Handlers {
        @UseFilters(QuotaFilter)
        @OnRcptTo()
        rcptTo(@RcptTo() rcpt: SmtpAddress) {
          if (rcpt.address === 'full@x.test') throw new QuotaError('quota');
          if (rcpt.address === 'range@x.test') throw new RangeError('range');
          if (rcpt.address === 'other@x.test') throw new Error('other');
        }
      }
      running = await startApp({ providers: [Handlers] });
      const client = await session(running.port);
      await client.send('MAIL FROM:<a@x.test>');
      expect(await client.send('RCPT TO:<full@x.test>')).toMatchObject({ code: 452, text: '4.2.2 Mailbox full' });
      expect(await client.send('RCPT TO:<range@x.test>')).toMatchObject({ code: 553, text: '5.1.3 Out of range' });
      expect(await client.send('RCPT TO:<other@x.test>')).toMatchObject({ code: 451, enhancedCode: '4.3.0' });
      expect((await client.send('RCPT TO:<fine@x.test>')).code).toBe(250);
      await client.quit();
    });
  });

  describe('hybrid app (HTTP and SMTP side by side)', () => {
    it('keeps global HTTP guards and filters from breaking SMTP sessions', async () => {
      const httpGuardCalls: string[] = [];
      @Injectable()
      class ApiKeyGuard implements CanActivate {
        canActivate(context: ExecutionContext) {
          // the documented pattern: branch on the transport
          if (context.getType<FumiContextType>() === FUMI_CONTEXT_TYPE) return true;
          const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
          httpGuardCalls.push(context.getType());
          return request.headers['x-api-key'] === 'secret';
        }
      }
      const reported: unknown[] = [];
      @Catch()
      class SentryLikeFilter extends BaseExceptionFilter {
        override catch(exception: unknown, host: ArgumentsHost) {
          reported.push(exception);
          super.catch(exception, host);
        }
      }
      @Controller('status')
      class StatusController {
        @Get() status() {
          return { ok: true };
        }
        @Get('boom') boom() {
          throw new Error('http boom');
        }
      }
      @Injectable()
      class Handlers {
        @OnMailFrom() mailFrom(@MailFrom() sender: SmtpAddress) {
          if (sender.address === 'boom@x.test') throw new Error('smtp boom');
        }
      }
      const moduleRef = await Test.createTestingModule({
        imports: [FumiModule.forRoot(testServerOptions())],
        controllers: [StatusController],
        providers: [
          Handlers,
          { provide: APP_GUARD, useClass: ApiKeyGuard },
          { provide: APP_FILTER, useClass: SentryLikeFilter },
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      running = { app, server: app.get(FumiServer), port: 0, close: () => app.close() };
      const httpUrl = await app.getUrl();
      const smtpPort = app.get(FumiServer).address().port;

      expect((await fetch(`${httpUrl}/status`, { headers: { 'x-api-key': 'secret' } })).status).toBe(200);
      expect((await fetch(`${httpUrl}/status`)).status).toBe(403);
      expect((await fetch(`${httpUrl}/status/boom`, { headers: { 'x-api-key': 'secret' } })).status).toBe(500);

      const client = await session(smtpPort);
      const failed = await client.send('MAIL FROM:<boom@x.test>');
      expect(failed).toMatchObject({ code: 451, enhancedCode: '4.3.0' });
      expect((await client.send('MAIL FROM:<fine@x.test>')).code).toBe(250);
      await client.quit();
      expect(httpGuardCalls).toEqual(['http', 'http', 'http']);
      expect(reported.map((e) => (e as Error).message)).toEqual(['Forbidden resource', 'http boom', 'smtp boom']);
    });
  });

  describe('request-scoped providers', () => {
    @Injectable({ scope: Scope.REQUEST })
    class Transaction {
      readonly notes: string[] = [];
      constructor(@InjectSmtpSession() readonly session: FumiSession) {}
    }

    @Injectable({ scope: Scope.REQUEST })
    class ScopedHandlers {
      static instances = 0;
      constructor(@Inject(Transaction) private readonly tx: Transaction) {
        ScopedHandlers.instances++;
      }

      @OnMailFrom() mailFrom(@MailFrom() sender: SmtpAddress) {
        this.tx.notes.push(`from ${sender.address}`);
      }

      @OnRcptTo() rcptTo(@RcptTo() rcpt: SmtpAddress) {
        this.tx.notes.push(`to ${rcpt.address}`);
      }

      @OnData() async data(@Ctx() ctx: DataContext) {
        await text(ctx.stream);
        if (this.tx.session !== ctx.session) ctx.reject('session mismatch', 554);
        const expected = `from ${ctx.session.envelope.mailFrom?.address},to ${ctx.session.envelope.rcptTo[0]?.address}`;
        // the state kept since MAIL FROM, in this connection only
        if (this.tx.notes.slice(-2).join(',') !== expected) ctx.reject(`state leaked: ${this.tx.notes.join(',')}`, 554);
        ctx.reject(`notes=${this.tx.notes.length}`, 450); // report the state through the reply
      }
    }

    it('gives each connection its own instances, shared by all its phases', async () => {
      ScopedHandlers.instances = 0;
      running = await startApp({ providers: [ScopedHandlers, Transaction] });
      const first = await session(running.port);
      const r1 = await first.sendMail({ from: 'a@x.test', to: 'b@x.test', body: MESSAGE });
      expect(r1.data?.message).toBe('notes=2');
      const r2 = await first.sendMail({ from: 'c@x.test', to: 'd@x.test', body: MESSAGE });
      expect(r2.data?.message).toBe('notes=4'); // same connection, same instance
      await first.quit();
      const second = await session(running.port);
      const r3 = await second.sendMail({ from: 'e@x.test', to: 'f@x.test', body: MESSAGE });
      expect(r3.data?.message).toBe('notes=2'); // fresh for the next connection
      await second.quit();
      expect(ScopedHandlers.instances).toBe(2);
    });

    it('never mixes state between 50 concurrent connections', async () => {
      running = await startApp({ providers: [ScopedHandlers, Transaction] }, { maxClients: 100 });
      const port = running.port;
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const client = await session(port);
          const replies: string[] = [];
          for (let round = 0; round < 2; round++) {
            const r = await client.sendMail({ from: `s${i}r${round}@x.test`, to: `t${i}r${round}@x.test`, body: MESSAGE });
            replies.push(r.data?.message ?? '');
          }
          await client.quit();
          return replies;
        }),
      );
      for (const replies of results) expect(replies).toEqual(['notes=2', 'notes=4']);
    });
  });
});

