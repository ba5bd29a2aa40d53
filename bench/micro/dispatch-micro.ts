/**
 * `npm run bench:micro`: what our dispatch costs per SMTP command, in microseconds, without
 * sockets: each phase called the way smtp-server calls it, on raw callbacks, on the plain app
 * (no enhancers) and on the full one (guard, interceptor, pipe, three handlers, request scope),
 * then the mailFrom phase taken apart layer by layer to show where the time goes.
 */
import 'reflect-metadata';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SMTPServer } from 'smtp-server';
import { FumiServer, FumiSession, MailFromContext } from '../../lib/index.js';
import { FumiHandlerRegistry } from '../../lib/fumi-handler.registry.js';
import type { MaybePromise } from '../../lib/maybe-async.js';
import { describeMachine } from '../harness/machine-description.js';
import { FullAppModule } from '../servers/full/full-app.module.js';
import { PlainAppModule } from '../servers/plain/plain-app.module.js';
import { PlainHandlers } from '../servers/plain/plain-handlers.js';
import { benchSmtpOptions } from '../servers/bench-smtp-options.js';
import { rawCallbacks } from '../servers/raw-callbacks.js';
import { fakeSmtpSession } from './fake-smtp-session.js';
import { microsPerCall } from './micros-per-call.js';
import { phaseCalls } from './phase-calls.js';

const quick = process.argv.includes('--quick');
const ITERATIONS = quick ? 4_000 : 20_000;
const ROUNDS = 5;

async function boot(module: Type<unknown>): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(module, { logger: false });
}

function mailFromContext(): MailFromContext {
  const session = new FumiSession(fakeSmtpSession(), { name: 'default', hostname: 'bench.test', lmtp: false, authEnabled: false });
  return new MailFromContext(session, { address: 'load@bench.test', args: {} });
}

const fmt = (value: number) => value.toFixed(2).padStart(9);

const { host: _host, port: _port, ...rawOptions } = benchSmtpOptions;
const raw = new SMTPServer({ ...rawOptions, disabledCommands: ['AUTH', 'STARTTLS'], ...rawCallbacks });
const plainApp = await boot(PlainAppModule);
const fullApp = await boot(FullAppModule);
const calls = {
  raw: phaseCalls(raw),
  plain: phaseCalls(plainApp.get(FumiServer).unwrap()),
  full: phaseCalls(fullApp.get(FumiServer).unwrap()),
};

console.log(`dispatch micro-benchmark: ${describeMachine()}`);
console.log(`µs per call, median of ${ROUNDS} rounds × ${ITERATIONS} calls after a warm-up round; in-process, no sockets\n`);
console.log(`${'phase'.padEnd(14)}${'raw'.padStart(9)}${'plain'.padStart(9)}${'full'.padStart(9)}${'plain−raw'.padStart(11)}${'full−raw'.padStart(11)}`);
for (const phase of Object.keys(calls.raw)) {
  // a mebibyte takes a thousand times longer than a command; fewer calls measure it as well
  const iterations = phase.endsWith('MiB') ? ITERATIONS / 50 : ITERATIONS;
  const us = {
    raw: await microsPerCall(calls.raw[phase]!, iterations, ROUNDS),
    plain: await microsPerCall(calls.plain[phase]!, iterations, ROUNDS),
    full: await microsPerCall(calls.full[phase]!, iterations, ROUNDS),
  };
  console.log(`${phase.padEnd(14)}${fmt(us.raw)}${fmt(us.plain)}${fmt(us.full)}  ${fmt(us.plain - us.raw)}  ${fmt(us.full - us.raw)}`);
}

// mailFrom taken apart: the handler alone, the composed chain (Nest pipeline per handler +
// composition), and the whole dispatch (session lookup, context, timeout race, chain).
const plainHandlers = plainApp.get(PlainHandlers);
const plainChain = plainApp.get(FumiHandlerRegistry).chainsFor('default').mailFrom!;
const fullChain = fullApp.get(FumiHandlerRegistry).chainsFor('default').mailFrom!;
const ctx = mailFromContext();
const fullCtx = mailFromContext();
const layers: [string, () => MaybePromise<void>][] = [
  ['plain: handler method alone', () => plainHandlers.mailFrom(ctx)],
  ['plain: chain (Nest pipeline + composition)', () => plainChain(ctx)],
  ['plain: whole dispatch', calls.plain.mailFrom!],
  ['full: chain (3 handlers × guard, interceptor, pipe)', () => fullChain(fullCtx)],
  ['full: whole dispatch', calls.full.mailFrom!],
];
console.log('\nmailFrom, layer by layer (µs per call)');
for (const [label, call] of layers) console.log(`${label.padEnd(52)}${fmt(await microsPerCall(call, ITERATIONS, ROUNDS))}`);

await Promise.all([plainApp.close(), fullApp.close()]);
