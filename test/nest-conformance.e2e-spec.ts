import {
  type ArgumentsHost,
  BadRequestException,
  type CallHandler,
  type CanActivate,
  Catch,
  ConflictException,
  Controller,
  type ExceptionFilter,
  type ExecutionContext,
  ForbiddenException,
  Get,
  HttpException,
  HttpStatus,
  Injectable,
  type INestApplication,
  InternalServerErrorException,
  type NestInterceptor,
  NotFoundException,
  PayloadTooLargeException,
  type PipeTransform,
  Query,
  RequestTimeoutException,
  ServiceUnavailableException,
  type Type,
  UnauthorizedException,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { catchError, map, type Observable, of, throwError, timeout, TimeoutError } from 'rxjs';
import {
  AuthContext,
  Ctx,
  FumiExecutionContext,
  FumiModule,
  FumiServer,
  MailFromContext,
  OnAuth,
  OnConnect,
  OnMailFrom,
  SmtpException,
} from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { testServerOptions } from './support/app.js';
import { plainAuth } from './support/tls.js';

/**
 * Guards, interceptors, pipes and exception filters on an SMTP handler behave as Nest runs them
 * on a controller, bound globally (`app.useGlobal*()` and `APP_*` providers), on the class or
 * on the method; and what they throw becomes the reply pinned here.
 */

const BINDINGS = ['useGlobal', 'APP', 'class', 'method'] as const;
type Binding = (typeof BINDINGS)[number];
const calls: string[] = [];

/** What a request asks the enhancers to do: the sender's local part, or HTTP's `?kind=`. */
function kindOf(value: unknown): string {
  if (typeof value === 'string') return value.split('>')[0]!;
  if (value instanceof MailFromContext) return value.address.address.split('@')[0]!;
  return 'unknown';
}
function kindIn(context: ExecutionContext): string {
  if (context.getType() === 'http') return String(context.switchToHttp().getRequest<{ query: { kind?: string } }>().query.kind);
  return kindOf(FumiExecutionContext.create(context).getContext());
}

/** The error each binding's filter catches, so that every filter can be seen catching. */
const caughtErrors = Object.fromEntries(BINDINGS.map((binding) => [binding, class extends Error {}])) as unknown as Record<Binding, Type<Error>>;

/** What `source.what` throws: a guard, interceptor or pipe of one binding, or the handler, can be told to. */
const THROWN: Record<string, () => Error> = {
  unauthorized: () => new UnauthorizedException('Who are you'),
  forbidden: () => new ForbiddenException('Not you'),
  badrequest: () => new BadRequestException('Bad address'),
  toolarge: () => new PayloadTooLargeException('Too big'),
  toomany: () => new HttpException('Slow down', HttpStatus.TOO_MANY_REQUESTS),
  unavailable: () => new ServiceUnavailableException('secret: db down'),
  internal: () => new InternalServerErrorException('secret: null pointer'),
  plain: () => new Error('secret: kaboom'),
  notfound: () => new NotFoundException('No such mailbox'),
  conflict: () => new ConflictException('Already there'),
  ...Object.fromEntries(BINDINGS.map((binding) => [`caught-${binding}`, () => new caughtErrors[binding]()])),
};
function throwIfTold(source: string, kind: string): void {
  const [target, what] = kind.split('.');
  if (target === source && what && THROWN[what]) throw THROWN[what]();
}

/** One of each enhancer for a binding; each records what it does and for which transport. */
function enhancers(binding: Binding) {
  @Injectable()
  class Gate implements CanActivate {
    canActivate(context: ExecutionContext): boolean {
      calls.push(`guard ${binding} ${context.getType()}`);
      const kind = kindIn(context);
      throwIfTold(`guard-${binding}`, kind);
      return kind !== `guard.false-${binding}`;
    }
  }

  /** Maps the result, and is Nest's documented `timeout()` interceptor besides. */
  @Injectable()
  class Around implements NestInterceptor {
    intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
      calls.push(`before ${binding} ${context.getType()}`);
      const kind = kindIn(context);
      throwIfTold(`interceptor-${binding}`, kind);
      return next.handle().pipe(
        map((value) => {
          calls.push(`after ${binding} ${String(value)}`);
          return `${String(value)}+${binding}`;
        }),
        timeout(200),
        catchError((error: unknown) => {
          if (error instanceof TimeoutError) return throwError(() => new RequestTimeoutException('Timed out'));
          if (kind === `recover-${binding}`) return of('recovered');
          return throwError(() => error);
        }),
      );
    }
  }

  /** Turns the value into the request's kind, and marks it as passed. */
  @Injectable()
  class Shape implements PipeTransform {
    transform(value: unknown): string {
      calls.push(`pipe ${binding}`);
      const kind = kindOf(value);
      throwIfTold(`pipe-${binding}`, kind);
      return `${typeof value === 'string' ? value : kind}>${binding}`;
    }
  }

  @Catch(caughtErrors[binding])
  class Catcher implements ExceptionFilter {
    catch(_error: Error, host: ArgumentsHost): void {
      calls.push(`filter ${binding} ${host.getType()}`);
      if (host.getType() !== 'http') throw new SmtpException(`Caught by the ${binding} filter`, 554);
      host.switchToHttp().getResponse<{ status(code: number): { send(body: string): void } }>().status(418).send(binding);
    }
  }
  return { Gate, Around, Shape, Catcher };
}

const bound = Object.fromEntries(BINDINGS.map((binding) => [binding, enhancers(binding)])) as Record<Binding, ReturnType<typeof enhancers>>;
const { useGlobal, APP, class: onClass, method: onMethod } = bound;

/** The param pipe: the value as each pipe left it. */
@Injectable()
class Param implements PipeTransform {
  transform(value: unknown): unknown {
    calls.push(`pipe param ${String(value)}`);
    return value;
  }
}

async function handle(kind: string): Promise<string> {
  calls.push(`handler ${kind}`);
  throwIfTold('handler', kindOf(kind));
  if (kind.startsWith('recover')) throw new Error('recover me');
  if (kind.startsWith('slow')) await new Promise((resolve) => setTimeout(resolve, 500));
  return 'handled';
}

@Controller('probe')
@UseGuards(onClass.Gate)
@UseInterceptors(onClass.Around)
@UsePipes(onClass.Shape)
@UseFilters(onClass.Catcher)
class ProbeController {
  @Get()
  @UseGuards(onMethod.Gate)
  @UseInterceptors(onMethod.Around)
  @UsePipes(onMethod.Shape)
  @UseFilters(onMethod.Catcher)
  probe(@Query('kind', Param) kind: string): Promise<string> {
    return handle(kind);
  }
}

@Injectable()
@UseGuards(onClass.Gate)
@UseInterceptors(onClass.Around)
@UsePipes(onClass.Shape)
@UseFilters(onClass.Catcher)
class ProbeHandlers {
  @OnMailFrom()
  @UseGuards(onMethod.Gate)
  @UseInterceptors(onMethod.Around)
  @UsePipes(onMethod.Shape)
  @UseFilters(onMethod.Catcher)
  mailFrom(@Ctx(Param) kind: string): Promise<string> {
    return handle(kind);
  }
}

/** A controller and an SMTP handler behind the same enhancers, at every binding. */
async function startProbe(): Promise<{ app: INestApplication; http: string; smtp: number }> {
  const moduleRef = await Test.createTestingModule({
    imports: [FumiModule.forRoot(testServerOptions())],
    controllers: [ProbeController],
    providers: [
      ProbeHandlers,
      { provide: APP_GUARD, useClass: APP.Gate },
      { provide: APP_INTERCEPTOR, useClass: APP.Around },
      { provide: APP_PIPE, useClass: APP.Shape },
      { provide: APP_FILTER, useClass: APP.Catcher },
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  app.useGlobalGuards(new useGlobal.Gate());
  app.useGlobalInterceptors(new useGlobal.Around());
  app.useGlobalPipes(new useGlobal.Shape());
  app.useGlobalFilters(new useGlobal.Catcher());
  await app.listen(0, '127.0.0.1');
  return { app, http: await app.getUrl(), smtp: app.get(FumiServer).address().port };
}

describe('Nest conformance: enhancers on SMTP handlers as on controllers', () => {
  let probe: Awaited<ReturnType<typeof startProbe>>;
  let client: SmtpTestClient;
  beforeAll(async () => {
    probe = await startProbe();
  });
  afterAll(() => probe.app.close());
  beforeEach(async () => {
    calls.length = 0;
    client = await SmtpTestClient.connect(probe.smtp);
    await client.ehlo();
  });
  afterEach(() => client.quit());

  /** The calls a request makes over HTTP and over SMTP, with the transport's name taken out. */
  async function both(kind: string) {
    calls.length = 0;
    const response = await fetch(`${probe.http}/probe?kind=${kind}`);
    const http = calls.map((call) => call.replace(' http', ''));
    calls.length = 0;
    const reply = await client.send(`MAIL FROM:<${kind}@example.test>`);
    await client.send('RSET');
    const smtp = calls.map((call) => call.replace(' fumi', ''));
    return { response, http, reply, smtp };
  }

  it("runs guards, interceptors, pipes and the handler in Nest's order, with the same calls and 'fumi' as the type", async () => {
    const { response, http, reply, smtp } = await both('plain');
    expect(await response.text()).toBe('handled+method+class+useGlobal+APP');
    expect(reply.code).toBe(250);
    expect(smtp).toEqual(http);
    const passed = 'plain>APP>useGlobal>class>method';
    expect(smtp).toEqual([
      ...['APP', 'useGlobal', 'class', 'method'].map((binding) => `guard ${binding}`),
      ...['APP', 'useGlobal', 'class', 'method'].map((binding) => `before ${binding}`),
      ...['APP', 'useGlobal', 'class', 'method'].map((binding) => `pipe ${binding}`),
      `pipe param ${passed}`,
      `handler ${passed}`,
      'after method handled',
      'after class handled+method',
      'after useGlobal handled+method+class',
      'after APP handled+method+class+useGlobal',
    ]);
    expect(calls.filter((call) => / (guard|before) /.test(` ${call}`)).every((call) => call.endsWith(' fumi'))).toBe(true);
  });

  it.each(BINDINGS)('has the %s filter catch what it catches, as on a controller', async (binding) => {
    const { response, http, reply, smtp } = await both(`handler.caught-${binding}`);
    expect(response.status).toBe(418);
    expect(reply).toMatchObject({ code: 554, message: `Caught by the ${binding} filter` });
    expect(smtp).toEqual(http);
    expect(calls).toContain(`filter ${binding} fumi`);
  });

  it.each(BINDINGS)('answers as documented when the %s guard returns false, as a controller answers 403', async (binding) => {
    const { response, http, reply, smtp } = await both(`guard.false-${binding}`);
    expect(response.status).toBe(403);
    expect(reply).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
    expect(smtp).toEqual(http);
  });

  it.each(BINDINGS)('lets the %s interceptor catch an error and answer in its stead', async (binding) => {
    const { response, http, reply, smtp } = await both(`recover-${binding}`);
    expect(response.status).toBe(200);
    expect(reply.code).toBe(250);
    expect(smtp).toEqual(http);
  });

  it("answers 451 4.4.2 when Nest's timeout() interceptor gives up, as a controller answers 408", async () => {
    const { response, http, reply, smtp } = await both('slow');
    expect(response.status).toBe(408);
    expect(reply).toMatchObject({ code: 451, enhancedCode: '4.4.2', message: 'Timed out' });
    expect(smtp).toEqual(http);
  });

  const LOCAL_ERROR = 'Requested action aborted: local error in processing';
  const REPLIES: [string, { code: number; enhancedCode?: string; message?: string }][] = [
    ['unauthorized', { code: 530, enhancedCode: '5.7.0', message: 'Who are you' }],
    ['forbidden', { code: 550, enhancedCode: '5.7.1', message: 'Not you' }],
    ['badrequest', { code: 550, enhancedCode: '5.5.4', message: 'Bad address' }],
    ['toolarge', { code: 552, enhancedCode: '5.3.4', message: 'Too big' }],
    ['toomany', { code: 451, enhancedCode: '4.7.1', message: 'Slow down' }],
    ['unavailable', { code: 451, enhancedCode: '4.3.0', message: LOCAL_ERROR }],
    ['internal', { code: 451, enhancedCode: '4.3.0', message: LOCAL_ERROR }],
    ['plain', { code: 451, enhancedCode: '4.3.0', message: LOCAL_ERROR }],
    ['notfound', { code: 550, message: 'No such mailbox' }],
    ['conflict', { code: 550, message: 'Already there' }],
  ];
  const SOURCES = ['handler', ...['guard', 'interceptor', 'pipe'].flatMap((kind) => BINDINGS.map((binding) => `${kind}-${binding}`))];

  it.each(SOURCES)('maps what the %s throws to the pinned reply, as a controller maps it to its status', async (source) => {
    for (const [what, expected] of REPLIES) {
      const { response, http, reply, smtp } = await both(`${source}.${what}`);
      expect({ what, reply }).toMatchObject({ what, reply: expected });
      expect(reply.text).not.toContain('secret');
      expect({ what, status: response.status }).toEqual({ what, status: (THROWN[what]!() as HttpException).getStatus?.() ?? 500 });
      expect(smtp).toEqual(http);
    }
  });
});

/** A guard's `false` per phase, as documented. */
describe('Nest conformance: a guard that returns false, per phase', () => {
  const denied = new Set<string>();
  let app: INestApplication | undefined;
  afterEach(async () => {
    denied.clear();
    await app?.close();
    app = undefined;
  });

  @Injectable()
  class PhaseGate implements CanActivate {
    canActivate(context: ExecutionContext): boolean {
      return !denied.has(FumiExecutionContext.create(context).getPhase());
    }
  }

  @Injectable()
  @UseGuards(PhaseGate)
  class Gated {
    @OnConnect() connect() {}
    @OnMailFrom() mailFrom() {}
  }

  @Injectable()
  @UseGuards(PhaseGate)
  class GatedWithAuth {
    @OnConnect() connect() {}
    @OnMailFrom() mailFrom() {}
    @OnAuth() auth(@Ctx() ctx: AuthContext) {
      ctx.accept(ctx.credentials.username);
    }
  }

  async function start(handlers: Type, auth: boolean): Promise<number> {
    const moduleRef = await Test.createTestingModule({
      imports: [FumiModule.forRoot(testServerOptions(auth ? { allowInsecureAuth: true, authOptional: true } : {}))],
      providers: [handlers, PhaseGate],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app.get(FumiServer).address().port;
  }

  it('answers 554 at connect, 535 in AUTH, 530 before AUTH and 550 5.7.1 after it or without AUTH', async () => {
    let port = await start(GatedWithAuth, true);
    denied.add('connect');
    const refused = await SmtpTestClient.connect(port);
    expect(refused.greeting).toMatchObject({ code: 554, enhancedCode: '5.7.1' });
    refused.destroy();
    denied.clear();
    denied.add('auth').add('mailFrom');
    const client = await SmtpTestClient.connect(port);
    await client.ehlo();
    expect(await client.send('MAIL FROM:<a@example.test>')).toMatchObject({ code: 530, enhancedCode: '5.7.0' });
    expect(await client.send(plainAuth('alice', 'x'))).toMatchObject({ code: 535, enhancedCode: '5.7.8' });
    denied.delete('auth');
    expect((await client.send(plainAuth('alice', 'x'))).code).toBe(235);
    expect(await client.send('MAIL FROM:<a@example.test>')).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
    await client.quit();
    await app!.close();

    port = await start(Gated, false);
    denied.add('mailFrom');
    const plain = await SmtpTestClient.connect(port);
    await plain.ehlo();
    expect(await plain.send('MAIL FROM:<a@example.test>')).toMatchObject({ code: 550, enhancedCode: '5.7.1' });
    await plain.quit();
  });
});
