import { NestFactory } from '@nestjs/core';
import { SMTPServer } from 'smtp-server';
import { FumiServer, FumiSession, MailFromContext } from '../../lib/index.js';
import { FumiHandlerRegistry } from '../../lib/discovery/fumi-handler.registry.js';
import type { MaybePromise } from '../../lib/execution/maybe-async.js';
import { benchSmtpOptions } from '../servers/bench-smtp-options.js';
import { FullAppModule } from '../servers/full/full-app.module.js';
import { PlainAppModule } from '../servers/plain/plain-app.module.js';
import { PlainHandlers } from '../servers/plain/plain-handlers.js';
import { rawCallbacks } from '../servers/raw-callbacks.js';
import { fakeSmtpSession } from './fake-smtp-session.js';
import { fullMailFromByHand, fullMailFromPiecesAlone } from './full-chain-by-hand.js';
import { phaseCalls } from './phase-calls.js';

export const MICRO_VARIANTS = ['raw', 'plain', 'full'] as const;
export type MicroVariant = (typeof MICRO_VARIANTS)[number];

/** What one variant can time: each phase as smtp-server calls it, and its MAIL FROM taken apart. */
export interface MicroTarget {
  readonly rows: Readonly<Record<string, () => MaybePromise<void>>>;
  close(): Promise<void>;
}

/** MAIL FROM taken apart, per variant: the row names `dispatch-micro` prints, in order. */
export const LAYER_ROWS: readonly (readonly [variant: MicroVariant, row: string, label: string])[] = [
  ['plain', 'handler method alone', 'plain: handler method alone'],
  ['plain', 'chain', 'plain: chain (Nest pipeline + composition)'],
  ['plain', 'mailFrom', 'plain: whole dispatch'],
  ['full', 'pieces alone', 'full: guards, interceptors, pipes, handlers called alone'],
  ['full', 'by hand', 'full: the same work wired by hand (no Nest, no module)'],
  ['full', 'chain', 'full: chain (3 handlers × guard, interceptor, pipe)'],
  ['full', 'mailFrom', 'full: whole dispatch'],
];

function mailFromContext(): MailFromContext {
  const session = new FumiSession(fakeSmtpSession(), { name: 'default', hostname: 'bench.test', lmtp: false, authEnabled: false });
  return new MailFromContext(session, { address: 'load@bench.test', args: {} });
}

/** Boots one variant, alone in its process, as each `npm run bench` server is. */
export async function bootMicroVariant(variant: MicroVariant): Promise<MicroTarget> {
  if (variant === 'raw') {
    const { host: _host, port: _port, ...rawOptions } = benchSmtpOptions;
    const raw = new SMTPServer({ ...rawOptions, disabledCommands: ['AUTH', 'STARTTLS'], ...rawCallbacks });
    return { rows: phaseCalls(raw), close: () => Promise.resolve() };
  }
  const app = await NestFactory.createApplicationContext(variant === 'plain' ? PlainAppModule : FullAppModule, { logger: false });
  const rows: Record<string, () => MaybePromise<void>> = phaseCalls(app.get(FumiServer).unwrap());
  const chain = app.get(FumiHandlerRegistry).chainsFor('default').mailFrom!;
  const ctx = mailFromContext();
  rows['chain'] = () => chain(ctx);
  if (variant === 'plain') {
    const handlers = app.get(PlainHandlers);
    rows['handler method alone'] = () => handlers.mailFrom(ctx);
  } else {
    rows['pieces alone'] = fullMailFromPiecesAlone(app, mailFromContext());
    rows['by hand'] = fullMailFromByHand(app, mailFromContext());
  }
  return { rows, close: () => app.close() };
}
