import {
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  Catch,
  createParamDecorator,
  type ExceptionFilter,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  type PipeTransform,
  Scope,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AsyncLocalStorage } from 'node:async_hooks';
import { catchError, delay, filter, finalize, mergeMap, type Observable, of, tap, throwError, timer, map, switchMap } from 'rxjs';
import {
  Ctx,
  type FumiSession,
  FumiExecutionContext,
  InjectSmtpSession,
  MailFrom,
  MailFromContext,
  OnMailFrom,
  OnRcptTo,
  RcptToContext,
  type SmtpAddress,
  SmtpException,
} from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';

/**
 * Handlers run through Nest's own pipeline (`ExternalContextCreator`): these tests pin what a
 * client sees of it, step by step.
 */
describe('handler pipeline', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const calls: string[] = [];
  beforeEach(() => (calls.length = 0));

  @Injectable()
  class AllowAll {
    canActivate(): boolean {
      calls.push('guard');
      return true;
    }
  }

  @Injectable()
  class Counting implements NestInterceptor {
    intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
      calls.push('interceptor');
      return next.handle();
    }
  }

  @Injectable()
  class Noting implements PipeTransform {
    transform(value: unknown): unknown {
      calls.push('pipe');
      return value;
    }
  }

  @Catch()
  class ToSmtp implements ExceptionFilter {
    catch(error: Error, _host: ArgumentsHost): never {
      throw new SmtpException(`filtered: ${error.message}`, 554);
    }
  }

  const RemoteAddress = createParamDecorator(
    (_data: unknown, context: ExecutionContext) => FumiExecutionContext.create(context).getSession().remoteAddress,
  );

  @Injectable()
  class Plain {
    @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext, @RemoteAddress() ip: string) {
      calls.push(`mailFrom ${ctx.address.address} from ${ip}`);
      if (ctx.address.address === 'boom@example.test') throw new Error('kaboom');
    }

    @OnRcptTo() rcptTo(@Ctx() ctx: RcptToContext): Observable<void> {
      // An Observable result is awaited, as Nest's pipeline does: the reply waits for it.
      return of(undefined).pipe(
        delay(30),
        tap(() => calls.push(`rcptTo ${ctx.address.address} done`)),
      );
    }
  }

  @Injectable()
  @UseFilters(ToSmtp)
  class Filtered {
    @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
      if (ctx.address.address === 'boom@example.test') throw new Error('kaboom');
    }
  }

  @Injectable()
  @UseGuards(AllowAll)
  class Guarded {
    @OnMailFrom() mailFrom() {}
  }

  @Injectable()
  @UseInterceptors(Counting)
  class Intercepted {
    @OnMailFrom() mailFrom() {}
  }

  @Injectable()
  class Piped {
    @OnMailFrom() mailFrom(@Ctx(Noting) _ctx: MailFromContext) {}
  }

  it('runs on each handler the guard, interceptor or pipe bound to it, once per command', async () => {
    running = await startApp({ providers: [Guarded, Intercepted, Piped, AllowAll, Counting, Noting] });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
    expect([...calls].sort()).toEqual(['guard', 'interceptor', 'pipe']);
    await client.quit();
  });

  it('gives parameters, awaits Observables and refuses errors as the pipeline does', async () => {
    running = await startApp({ providers: [Plain] }, { authOptional: true });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
    expect(calls).toEqual(['mailFrom a@example.test from 127.0.0.1']);
    expect((await client.send('RCPT TO:<b@example.test>')).code).toBe(250);
    expect(calls).toContain('rcptTo b@example.test done');
    await client.send('RSET');
    const failed = await client.send('MAIL FROM:<boom@example.test>');
    expect(failed).toMatchObject({ code: 451, enhancedCode: '4.3.0' });
    await client.quit();
  });

  it('runs exception filters', async () => {
    running = await startApp({ providers: [Filtered] }, { authOptional: true });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    expect(await client.send('MAIL FROM:<boom@example.test>')).toMatchObject({ code: 554, message: 'filtered: kaboom' });
    await client.quit();
  });

  it('keeps global guards, interceptors and pipes on handlers that declare none', async () => {
    running = await startApp(
      {
        providers: [
          Plain,
          { provide: APP_GUARD, useClass: AllowAll },
          { provide: APP_INTERCEPTOR, useClass: Counting },
          { provide: APP_PIPE, useClass: Noting },
        ],
      },
      { authOptional: true },
    );
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
    expect(calls).toEqual(['guard', 'interceptor', 'pipe', 'pipe', 'mailFrom a@example.test from 127.0.0.1']);
    await client.quit();
  });

  @Injectable()
  class SenderGate implements CanActivate {
    canActivate(context: ExecutionContext): boolean | Promise<boolean> | Observable<boolean> {
      const sender = FumiExecutionContext.create(context).getContext<MailFromContext>().address.address;
      const allowed = sender.endsWith('-ok@example.test');
      if (sender.startsWith('promise')) return Promise.resolve(allowed);
      if (sender.startsWith('observable')) return timer(10).pipe(map(() => allowed));
      return allowed;
    }
  }

  @Injectable()
  @UseGuards(SenderGate)
  class Gated {
    @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
      calls.push(`gated ${ctx.address.address}`);
    }
  }

  it('waits for guards that answer with a promise or an Observable, and refuses on false', async () => {
    running = await startApp({ providers: [Gated, SenderGate] });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    for (const kind of ['sync', 'promise', 'observable']) {
      expect((await client.send(`MAIL FROM:<${kind}-no@example.test>`)).code).toBe(550);
      expect((await client.send(`MAIL FROM:<${kind}-ok@example.test>`)).code).toBe(250);
      await client.send('RSET');
    }
    expect(calls).toEqual(['gated sync-ok@example.test', 'gated promise-ok@example.test', 'gated observable-ok@example.test']);
    await client.quit();
  });

  const store = new AsyncLocalStorage<string>();

  /** Subscribes to `handle()` later, from a timer: Nest still runs the rest in the caller's context. */
  @Injectable()
  class Deferring implements NestInterceptor {
    async intercept(_context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const handled = store.run('request store', () => next.handle());
      return timer(10).pipe(switchMap(() => handled));
    }
  }

  @Injectable()
  @UseInterceptors(Deferring)
  class Stored {
    @OnMailFrom() mailFrom() {
      calls.push(`store: ${store.getStore()}`);
    }
  }

  it("gives a deferred handle() the async context it was called in, as Nest's interceptors do", async () => {
    running = await startApp({ providers: [Stored, Deferring] });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
    expect(calls).toEqual(['store: request store']);
    await client.quit();
  });

  /** What an interceptor may make of the handler's stream, picked by the sender's local part. */
  @Injectable()
  class Reshaping implements NestInterceptor {
    intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
      const sender = FumiExecutionContext.create(context).getContext<MailFromContext>().address.address;
      const mode = sender.split('@')[0];
      const done = finalize(() => calls.push(`${mode}: finalized`));
      switch (mode) {
        case 'empty':
          return next.handle().pipe(filter(() => false), done);
        case 'many':
          return next.handle().pipe(mergeMap(() => of('first', 'last')), done);
        case 'late':
          return next.handle().pipe(delay(20), done);
        case 'late-error':
          return timer(10).pipe(switchMap(() => throwError(() => new SmtpException('Refused later', 554))), done);
        default:
          throw new Error('interceptor failed');
      }
    }
  }

  @Injectable()
  @UseInterceptors(Reshaping)
  class Reshaped {
    @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
      calls.push(`handled ${ctx.address.address}`);
    }
  }

  it("answers by what an interceptor's stream ends with, and tears it down once, as Nest's lastValueFrom", async () => {
    running = await startApp({ providers: [Reshaped, Reshaping] });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    const mail = async (sender: string) => {
      const reply = await client.send(`MAIL FROM:<${sender}>`);
      await client.send('RSET');
      return reply;
    };
    // a stream that ends without a value is an error for Nest (EmptyError): unexpected, 451
    expect(await mail('empty@example.test')).toMatchObject({ code: 451, enhancedCode: '4.3.0' });
    expect(await mail('many@example.test')).toMatchObject({ code: 250 });
    expect(await mail('late@example.test')).toMatchObject({ code: 250 });
    expect(await mail('late-error@example.test')).toMatchObject({ code: 554, message: 'Refused later' });
    expect(await mail('throws@example.test')).toMatchObject({ code: 451, enhancedCode: '4.3.0' });
    expect(calls).toEqual([
      'handled empty@example.test',
      'empty: finalized',
      'handled many@example.test',
      'many: finalized',
      'handled late@example.test',
      'late: finalized',
      'late-error: finalized',
    ]);
    await client.quit();
  });

  @Injectable()
  class RefuseBad implements PipeTransform {
    transform(ctx: MailFromContext): MailFromContext {
      if (ctx.address.address.startsWith('bad')) throw new Error('bad sender');
      return ctx;
    }
  }

  @Injectable()
  class LowerCaseSender implements PipeTransform {
    async transform(ctx: MailFromContext): Promise<string> {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return ctx.address.address.toLowerCase();
    }
  }

  @Injectable()
  class Explaining implements NestInterceptor {
    intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
      return next.handle().pipe(
        catchError((error: Error) => {
          throw new SmtpException(`caught: ${error.message}`, 553);
        }),
      );
    }
  }

  @Injectable()
  @UseInterceptors(Explaining)
  class Checked {
    @OnMailFrom() mailFrom(@Ctx(RefuseBad, LowerCaseSender) sender: string) {
      calls.push(`checked ${sender}`);
    }
  }

  it('runs pipes in order, awaits async ones, and inside the interceptors that see their errors', async () => {
    running = await startApp({ providers: [Checked, RefuseBad, LowerCaseSender, Explaining] });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    expect((await client.send('MAIL FROM:<Mixed.Case@Example.test>')).code).toBe(250);
    await client.send('RSET');
    expect(await client.send('MAIL FROM:<bad@example.test>')).toMatchObject({ code: 553, message: 'caught: bad sender' });
    expect(calls).toEqual(['checked mixed.case@example.test']);
    await client.quit();
  });

  /** A guard and a pipe per connection: it must only ever see its own connection's session. */
  @Injectable({ scope: Scope.REQUEST })
  class OwnSessionOnly implements CanActivate, PipeTransform {
    static instances = 0;
    readonly number = ++OwnSessionOnly.instances;
    constructor(@InjectSmtpSession() private readonly session: FumiSession) {}

    canActivate(context: ExecutionContext): boolean {
      return this.check('guard', FumiExecutionContext.create(context).getSession());
    }

    transform(ctx: RcptToContext): RcptToContext {
      this.check('pipe', ctx.session);
      return ctx;
    }

    private check(role: string, session: FumiSession): boolean {
      calls.push(`${role} ${this.number} ${session === this.session ? 'own' : 'foreign'} session`);
      return session === this.session;
    }
  }

  @Injectable({ scope: Scope.REQUEST })
  @UseGuards(OwnSessionOnly)
  class ScopedGated {
    @OnMailFrom() mailFrom(@MailFrom() _sender: SmtpAddress) {}
  }

  @Injectable({ scope: Scope.REQUEST })
  class ScopedPiped {
    @OnRcptTo() rcptTo(@Ctx(OwnSessionOnly) _ctx: RcptToContext) {}
  }

  /** Binds its handler in its constructor, as autobind decorators do. */
  @Injectable({ scope: Scope.REQUEST })
  class SelfBound {
    static instances = 0;
    readonly number = ++SelfBound.instances;
    constructor(@InjectSmtpSession() private readonly session: FumiSession) {
      this.mailFrom = this.mailFrom.bind(this);
    }

    @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
      calls.push(`instance ${this.number} ${ctx.session === this.session ? 'own' : 'foreign'} session`);
    }
  }

  /** Mail for the same inbox on `connections` connections, one after the other. */
  async function sendOnEach(port: number, connections: number): Promise<void> {
    for (let connection = 0; connection < connections; connection++) {
      const client = await SmtpTestClient.connect(port);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
      expect((await client.send('RCPT TO:<b@example.test>')).code).toBe(250);
      await client.quit();
    }
  }

  it("never gives one connection another's request-scoped guard, parameter pipe or bound method", async () => {
    OwnSessionOnly.instances = 0;
    SelfBound.instances = 0;
    running = await startApp({ providers: [ScopedGated, ScopedPiped, OwnSessionOnly, SelfBound] });
    await sendOnEach(running.port, 4);
    const expected = (roles: string[]) =>
      [1, 2, 3, 4].flatMap((connection) => roles.map((role) => `${role} ${connection} own session`));
    // One OwnSessionOnly per connection, serving as its guard and its pipe.
    expect(calls.filter((call) => /^(guard|pipe)/.test(call))).toEqual(expected(['guard', 'pipe']));
    expect(calls.filter((call) => call.startsWith('instance'))).toEqual(expected(['instance']));
  });

  let failingLate: () => void = () => undefined;
  const LateFailure = createParamDecorator(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    failingLate();
    throw new Error('late failure');
  });

  @Injectable()
  class RefuseAll implements PipeTransform {
    transform(): never {
      throw new SmtpException('Refused by the pipe', 553);
    }
  }

  @Injectable()
  class TwoParameters {
    // Parameter decorators apply last to first: Nest resolves `_late` before `_ctx`.
    @OnMailFrom() mailFrom(@Ctx(RefuseAll) _ctx: MailFromContext, @LateFailure() _late: unknown) {}
  }

  it('answers with the first failing parameter and leaves no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    const lateFailed = new Promise<void>((resolve) => (failingLate = resolve));
    try {
      running = await startApp({ providers: [TwoParameters, RefuseAll] });
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect(await client.send('MAIL FROM:<a@example.test>')).toMatchObject({ code: 553, message: 'Refused by the pipe' });
      await lateFailed;
      await new Promise((resolve) => setTimeout(resolve, 0)); // Node reports an unhandled rejection after the microtasks of its turn
      await client.quit();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
