import { Injectable } from '@nestjs/common';
import { AuthContext, Ctx, MemoryCounterStore, OnAuth, type CounterStore } from '../../lib/index.js';
import { SmtpTestClient } from '../../lib/testing/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { plainAuth } from '../support/tls.js';
import { waitFor } from '../support/wait-for.js';
import { recordFigures } from './support/figures.js';
import { runPool } from './support/pool.js';

/**
 * A scripted password-guessing attack on AUTH with the default limits (3 failures per
 * connection, then 421; 10 per address per 15 minutes, then 454 before any exchange). What
 * counts is how many guesses ever reached the password check.
 */
const PASSWORD = 'correct horse battery staple';
/** The right password sits deep in the attacker's list: finding it takes far more than 10 tries. */
const GUESSES = Array.from({ length: 300 }, (_, i) => (i === 150 ? PASSWORD : `guess-${i}`));

let checked: { from: string; password: string | undefined }[] = [];

@Injectable()
class Directory {
  @OnAuth() login(@Ctx() ctx: AuthContext) {
    checked.push({ from: ctx.session.remoteAddress, password: ctx.credentials.password });
    if (ctx.credentials.username === 'alice' && ctx.credentials.password === PASSWORD) return ctx.accept('alice');
    ctx.reject();
  }
}

type Outcome = { replies: number[]; guesses: number };

/** One attacking connection: guesses in order until the server ends it or refuses outright. */
async function attackOnce(port: number, from: string, guesses: string[]): Promise<Outcome> {
  const client = await SmtpTestClient.connect(port, { localAddress: from });
  await client.ehlo();
  const replies: number[] = [];
  let sent = 0;
  for (const guess of guesses) {
    const reply = await client.send(plainAuth('alice', guess)).catch(() => undefined);
    if (!reply) break;
    sent++;
    replies.push(reply.code);
    if (reply.code === 421 || reply.code === 235) break;
  }
  client.destroy();
  return { replies, guesses: sent };
}

describe('reliability: AUTH brute force under a scripted attack', () => {
  let running: RunningApp;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    running = await startApp({ providers: [Directory] }, { allowInsecureAuth: true, authOptional: true });
  });
  afterAll(async () => {
    await running.close();
    recordFigures('auth brute force', figures);
  });
  beforeEach(() => (checked = []));

  const tally = (outcomes: Outcome[]) => {
    const codes: Record<number, number> = {};
    for (const code of outcomes.flatMap((o) => o.replies)) codes[code] = (codes[code] ?? 0) + 1;
    return codes;
  };

  it('lets one address have 10 guesses checked, however many connections it opens one after another', async () => {
    const from = '127.0.0.40';
    const outcomes: Outcome[] = [];
    let next = 0;
    // bounded: at most 100 connections, each ended by the server after 3 failures or a 454
    while (next < GUESSES.length && outcomes.length < 100) {
      const outcome = await attackOnce(running.port, from, GUESSES.slice(next, next + 3));
      outcomes.push(outcome);
      next += outcome.guesses;
    }
    const codes = tally(outcomes);
    expect(checked.filter((c) => c.from === from)).toHaveLength(10);
    expect(codes[235]).toBeUndefined();
    expect(codes[535]).toBe(10 - Math.floor(10 / 3)); // the 3rd failure of a connection is its 421
    expect(codes[454]).toBeGreaterThan(0);
    figures.sequential = { connections: outcomes.length, guessesSent: next, checked: 10, replies: codes };
  });

  it('holds the same budget against 50 connections guessing in parallel from one address', async () => {
    const from = '127.0.0.41';
    const outcomes = await runPool(50, 50, (i) => attackOnce(running.port, from, GUESSES.slice(i * 3, i * 3 + 3)));
    const codes = tally(outcomes);
    const reached = checked.filter((c) => c.from === from).length;
    figures.parallel = { connections: 50, guessesSent: outcomes.reduce((n, o) => n + o.guesses, 0), checked: reached, replies: codes };
    expect(codes[235]).toBeUndefined();
    expect(reached).toBeLessThanOrEqual(10);
  });

  it('holds it too with a shared store 5 ms away (a Redis, say), where checks and counts interleave', async () => {
    const memory = new MemoryCounterStore();
    const away = <T>(value: Promise<T>) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
    const remote: CounterStore = {
      increment: (key, windowMs, amount) => away(memory.increment(key, windowMs, amount)),
      get: (key) => away(memory.get(key)),
      reset: (key) => away(memory.reset(key)),
    };
    const shared = await startApp({ providers: [Directory] }, { allowInsecureAuth: true, authOptional: true, authFailureLimits: { store: remote } });
    try {
      const from = '127.0.0.43';
      const outcomes = await runPool(50, 50, (i) => attackOnce(shared.port, from, GUESSES.slice(i * 3, i * 3 + 3)));
      const reached = checked.filter((c) => c.from === from).length;
      figures.parallelRemoteStore = {
        connections: 50,
        storeLatencyMs: 5,
        guessesSent: outcomes.reduce((n, o) => n + o.guesses, 0),
        checked: reached,
        replies: tally(outcomes),
      };
      expect(reached).toBeLessThanOrEqual(10);
      // and a right password from elsewhere still gets in, its unit given back
      const client = await SmtpTestClient.connect(shared.port, { localAddress: '127.0.0.44' });
      await client.ehlo();
      expect((await client.send(plainAuth('alice', PASSWORD))).code).toBe(235);
      await client.quit();
      await waitFor(async () => ((await memory.get('fumi:auth-failures:127.0.0.44'))?.count ?? 0) === 0);
    } finally {
      await shared.close();
    }
  });

  it('keeps serving everyone else: another address logs in at once, with the right password', async () => {
    const client = await SmtpTestClient.connect(running.port, { localAddress: '127.0.0.42' });
    await client.ehlo();
    expect((await client.send(plainAuth('alice', PASSWORD))).code).toBe(235);
    await client.quit();
    // the locked address is refused even with the right password, before any exchange
    const locked = await SmtpTestClient.connect(running.port, { localAddress: '127.0.0.40' });
    await locked.ehlo();
    expect(await locked.send(plainAuth('alice', PASSWORD))).toMatchObject({ code: 454, enhancedCode: '4.7.0' });
    await locked.quit();
    expect(checked.map((c) => c.from)).toEqual(['127.0.0.42']);
  });

  it('gives back the unit of an exchange the client abandoned, so aborting costs a user nothing', async () => {
    const from = '127.0.0.45';
    for (let i = 0; i < 12; i++) {
      const client = await SmtpTestClient.connect(running.port, { localAddress: from });
      await client.ehlo();
      expect((await client.send('AUTH LOGIN')).code).toBe(334);
      client.destroy(); // left in the middle of the exchange
    }
    const client = await SmtpTestClient.connect(running.port, { localAddress: from });
    await client.ehlo();
    expect((await client.send('AUTH PLAIN')).code).toBe(334);
    expect((await client.send('*')).code).toBe(501); // aborted
    expect((await client.send(plainAuth('alice', PASSWORD))).code).toBe(235);
    await client.quit();
  });
});
