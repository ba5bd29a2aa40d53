import { Injectable } from '@nestjs/common';
import { text } from 'node:stream/consumers';
import { throwError } from 'rxjs';
import {
  AuthContext,
  ConnectContext,
  Ctx,
  DataContext,
  MailFromContext,
  OnAuth,
  OnClose,
  OnConnect,
  OnData,
  OnMailFrom,
  OnRcptTo,
  RcptToContext,
} from '../../lib/index.js';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { plainAuth } from '../support/tls.js';
import { waitFor } from '../support/wait-for.js';
import { recordFigures } from './support/figures.js';
import { watchProcessFaults, type ProcessFaults } from './support/process-faults.js';

/**
 * Handlers that go wrong on purpose, in every way a handler can: it throws, returns a rejected
 * promise, returns an Observable that errors, never settles, or settles (rejects) only after the
 * client has had its 451. The kind and the phase are named by the client: `mailfrom.throw@…`,
 * `rcptto.hang@…`, `data.observable@…`, AUTH user `reject`, connecting from 127.0.0.1x.
 */
const FAULTS = ['throw', 'reject', 'observable', 'hang', 'late-reject'] as const;
type Fault = (typeof FAULTS)[number];

const HANDLER_TIMEOUT = 250;
/** A late rejection comes after the 451 4.4.2 has gone out. */
const LATE_MS = HANDLER_TIMEOUT + 150;
/** The reply each kind of fault gets: a bug is 451 4.3.0, a handler still running is 451 4.4.2. */
const EXPECTED: Record<Fault, { code: number; enhancedCode: string }> = {
  throw: { code: 451, enhancedCode: '4.3.0' },
  reject: { code: 451, enhancedCode: '4.3.0' },
  observable: { code: 451, enhancedCode: '4.3.0' },
  hang: { code: 451, enhancedCode: '4.4.2' },
  'late-reject': { code: 451, enhancedCode: '4.4.2' },
};
/** Source addresses whose connections the connect handler fails, one per kind. */
const CONNECT_FROM: Record<Fault, string> = {
  throw: '127.0.0.11',
  reject: '127.0.0.12',
  observable: '127.0.0.13',
  hang: '127.0.0.14',
  'late-reject': '127.0.0.15',
};

function misbehave(fault: string | undefined): unknown {
  switch (fault) {
    case 'throw':
      throw new Error('handler bug (thrown)');
    case 'reject':
      return Promise.reject(new Error('handler bug (rejected promise)'));
    case 'observable':
      return throwError(() => new Error('handler bug (failed Observable)'));
    case 'hang':
      return new Promise(() => undefined);
    case 'late-reject':
      return new Promise((_, reject) => setTimeout(() => reject(new Error('handler bug (rejected too late)')), LATE_MS));
    default:
      return undefined;
  }
}

/** `phase.kind@…` → kind, when the address targets `phase`. */
const faultIn = (phase: string, address: string | undefined) => {
  const [target, kind] = (address ?? '').split('@')[0]!.split('.');
  return target === phase ? kind : undefined;
};

const delivered: string[] = [];

@Injectable()
class FaultyHandlers {
  @OnConnect() connect(@Ctx() ctx: ConnectContext) {
    const fault = Object.entries(CONNECT_FROM).find(([, ip]) => ip === ctx.session.remoteAddress)?.[0];
    return misbehave(fault);
  }

  @OnAuth() auth(@Ctx() ctx: AuthContext) {
    if (ctx.credentials.username === 'alice') return ctx.accept('alice');
    return misbehave(ctx.credentials.username);
  }

  @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
    return misbehave(faultIn('mailfrom', ctx.address.address));
  }

  @OnRcptTo() rcptTo(@Ctx() ctx: RcptToContext) {
    return misbehave(faultIn('rcptto', ctx.address.address));
  }

  @OnData() data(@Ctx() ctx: DataContext) {
    const fault = faultIn('data', ctx.session.envelope.rcptTo[0]?.address);
    if (fault) return misbehave(fault);
    return text(ctx.stream).then((body) => void delivered.push(body));
  }

  @OnClose() close() {
    throw new Error('close handler bug');
  }
}

const GOOD = { from: 'sender@ok.test', to: 'rcpt@ok.test', body: 'Subject: still fine\r\n\r\nafter a fault\r\n' };

describe('reliability: faulty handlers', () => {
  let running: RunningApp;
  let faults: ProcessFaults;
  const seen: Record<string, string> = {};

  beforeAll(async () => {
    faults = watchProcessFaults();
    running = await startApp(
      { providers: [FaultyHandlers] },
      { handlerTimeout: HANDLER_TIMEOUT, allowInsecureAuth: true, authOptional: true },
    );
  });

  afterAll(async () => {
    await running.close();
    faults.stop();
  });

  /** Proves the session survived: a whole transaction on the same connection is accepted. */
  async function deliversAfterwards(client: SmtpTestClient): Promise<void> {
    const before = delivered.length;
    const { data } = await client.sendMail(GOOD);
    expect(data?.code).toBe(250);
    expect(delivered.length).toBe(before + 1);
    await client.quit();
  }

  const note = (phase: string, fault: Fault, reply: { code: number; enhancedCode?: string }, ms: number) =>
    (seen[`${phase}/${fault}`] = `${reply.code} ${reply.enhancedCode ?? ''} in ${ms} ms`);

  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await work();
    return [result, Math.round(performance.now() - started)];
  };

  it.each(FAULTS)('MAIL FROM handler that fails (%s): 451, then the session goes on', async (fault) => {
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    const [reply, ms] = await timed(() => client.send(`MAIL FROM:<mailfrom.${fault}@fault.test>`));
    expect(reply).toMatchObject(EXPECTED[fault]);
    note('mailFrom', fault, reply, ms);
    await deliversAfterwards(client);
  });

  it.each(FAULTS)('RCPT TO handler that fails (%s): 451 for that recipient, the transaction goes on', async (fault) => {
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    expect((await client.send('MAIL FROM:<sender@ok.test>')).code).toBe(250);
    const [reply, ms] = await timed(() => client.send(`RCPT TO:<rcptto.${fault}@fault.test>`));
    expect(reply).toMatchObject(EXPECTED[fault]);
    note('rcptTo', fault, reply, ms);
    expect((await client.send('RCPT TO:<rcpt@ok.test>')).code).toBe(250);
    expect((await client.data(GOOD.body)).code).toBe(250);
    await deliversAfterwards(client);
  });

  it.each(FAULTS)('DATA handler that fails (%s): 451 after the message, then the session goes on', async (fault) => {
    const client = await SmtpTestClient.connect(running.port);
    const [{ data }, ms] = await timed(() => client.sendMail({ ...GOOD, to: `data.${fault}@fault.test` }));
    expect(data).toMatchObject(EXPECTED[fault]);
    note('data', fault, data!, ms);
    await deliversAfterwards(client);
  });

  it.each(FAULTS)('AUTH handler that fails (%s): 451, not counted as a guess, and the client can log in', async (fault) => {
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    const [reply, ms] = await timed(() => client.send(plainAuth(fault, 'pw')));
    expect(reply).toMatchObject(EXPECTED[fault]);
    note('auth', fault, reply, ms);
    expect((await client.send(plainAuth('alice', 'pw'))).code).toBe(235);
    await deliversAfterwards(client);
  });

  it.each(FAULTS)('connect handler that fails (%s): 451 instead of the greeting, and the connection is freed', async (fault) => {
    const [client, ms] = await timed(() => SmtpTestClient.connect(running.port, { localAddress: CONNECT_FROM[fault] }));
    expect(client.greeting).toMatchObject({ code: EXPECTED[fault].code });
    expect(client.greeting.text).toContain(EXPECTED[fault].enhancedCode);
    note('connect', fault, { code: client.greeting.code, enhancedCode: EXPECTED[fault].enhancedCode }, ms);
    await client.closed;
    // the next client from anywhere else is served as usual
    await deliversAfterwards(await SmtpTestClient.connect(running.port));
  });

  it('leaves no unhandled rejection, no uncaught exception and no session behind', async () => {
    // every late rejection has happened by now, after its 451
    await new Promise((resolve) => setTimeout(resolve, LATE_MS));
    await waitFor(() => running.server.connections === 0);
    expect(faults.unhandledRejections).toEqual([]);
    expect(faults.uncaughtExceptions).toEqual([]);
    expect(running.server.listening).toBe(true);
    recordFigures('faulty handlers', {
      handlerTimeout: HANDLER_TIMEOUT,
      cases: Object.keys(seen).length,
      replies: seen,
      delivered: delivered.length,
      unhandledRejections: faults.unhandledRejections.length,
      uncaughtExceptions: faults.uncaughtExceptions.length,
      connectionsAfter: running.server.connections,
    });
  });
});
