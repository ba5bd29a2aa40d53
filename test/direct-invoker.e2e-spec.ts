import {
  type ArgumentsHost,
  type CallHandler,
  Catch,
  createParamDecorator,
  type ExceptionFilter,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  type PipeTransform,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE, ExternalContextCreator } from '@nestjs/core';
import { delay, type Observable, of, tap } from 'rxjs';
import { createDirectInvoker, recordingEnhancers } from '../lib/direct-invoker.js';
import { FUMI_ARGS_METADATA } from '../lib/fumi.constants.js';
import { FumiParamsFactory } from '../lib/fumi-params.factory.js';
import { Ctx, FumiExecutionContext, MailFromContext, OnMailFrom, OnRcptTo, RcptToContext, SmtpException } from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';

/**
 * Handlers that Nest gives no guard, interceptor or pipe are called directly rather than through
 * Nest's pipeline (a benchmark finding): these tests hold the direct path to the pipeline's
 * behaviour, and check that any enhancer, global ones included, still gets the full pipeline.
 */
describe('direct invocation of handlers without enhancers', () => {
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

  it('takes the direct path only when Nest resolved no guard, interceptor or pipe', async () => {
    running = await startApp({ providers: [Plain, Filtered, Guarded, Intercepted, Piped, AllowAll, Counting, Noting] });
    const creator = running.app.get(ExternalContextCreator);
    const directFor = (type: new (...args: never[]) => object): boolean => {
      const instance = running!.app.get(type) as Record<string, (...args: unknown[]) => unknown>;
      const { creator: recording, resolved } = recordingEnhancers(creator);
      recording.create(instance, instance.mailFrom!, 'mailFrom', FUMI_ARGS_METADATA, new FumiParamsFactory(), undefined,
        undefined, { guards: true, interceptors: true, filters: true }, 'fumi');
      return createDirectInvoker(instance, instance.mailFrom!, resolved) !== undefined;
    };
    // Should Nest rename what recordingEnhancers watches, the first two fail: every handler would
    // then quietly take the slower full pipeline.
    expect(directFor(Plain)).toBe(true);
    expect(directFor(Filtered)).toBe(true);
    expect(directFor(Guarded)).toBe(false);
    expect(directFor(Intercepted)).toBe(false);
    expect(directFor(Piped)).toBe(false);
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

  it('runs exception filters on the direct path', async () => {
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
});
