import 'reflect-metadata';
import { Injectable, type DynamicModule } from '@nestjs/common';
import nodemailer from 'nodemailer';
import { AuthContext, Ctx, DataContext, OnAuth, OnData } from '../../lib/index.js';
import { SpamResult, spamResultOf, type RspamdResult, type RspamdVerdict } from '../../lib/rspamd/index.js';
import { startApp, type RunningApp } from './app.js';

/** What the application's handler (priority 0, after the scan) and one before the scan saw. */
export interface Delivery {
  readonly subject: string;
  readonly result: RspamdResult | undefined;
  readonly viaFunction: RspamdResult | undefined;
  readonly beforeScan: RspamdResult | undefined;
  readonly sessionId: string;
  readonly from: string | undefined;
  readonly bytes: number;
}
/** Messages the application's handler took, in order; emptied before each test. */
export const deliveries: Delivery[] = [];
const before = new WeakMap<DataContext, RspamdResult | undefined>();

@Injectable()
export class Mailbox {
  @OnAuth() login(@Ctx() ctx: AuthContext) {
    ctx.accept(ctx.credentials.username);
  }

  @OnData({ priority: 2000 }) early(@Ctx() ctx: DataContext) {
    before.set(ctx, spamResultOf(ctx));
  }

  @OnData() async store(@Ctx() ctx: DataContext, @SpamResult() result: RspamdResult | undefined) {
    const parsed = await ctx.parse();
    deliveries.push({
      subject: parsed.subject ?? '',
      result,
      viaFunction: spamResultOf(ctx),
      beforeScan: before.get(ctx),
      sessionId: ctx.session.id,
      from: ctx.session.envelope.mailFrom?.address,
      bytes: ctx.byteLength,
    });
  }
}

export interface Sent {
  readonly code: number;
  readonly response: string;
  readonly ms: number;
}

export interface Mail {
  subject: string;
  text?: string;
  from?: string;
  to?: string[];
  auth?: { user: string; pass: string };
}

/** Sends one message with nodemailer over a real socket: the final reply, and how long it all took. */
export async function send(port: number, mail: Mail): Promise<Sent> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'client.test', ...(mail.auth ? { auth: mail.auth } : {}) });
  const started = performance.now();
  try {
    const info = await transport.sendMail({
      from: mail.from ?? 'sender@client.test',
      to: mail.to ?? ['rcpt@example.test'],
      subject: mail.subject,
      text: mail.text ?? 'Hello, this is an ordinary message.',
    });
    return { code: Number(info.response.slice(0, 3)), response: info.response, ms: performance.now() - started };
  } catch (error) {
    const failure = error as { responseCode?: number; response?: string; message: string };
    return { code: failure.responseCode ?? 0, response: failure.response ?? failure.message, ms: performance.now() - started };
  } finally {
    transport.close();
  }
}

/** An app with one default server (AUTH offered in clear), `Mailbox`, and the given rspamd module. */
export const boot = (rspamd: DynamicModule): Promise<RunningApp> => startApp({ imports: [rspamd], providers: [Mailbox] }, { allowInsecureAuth: true, authOptional: true });
/** The verdict, or a failure saying what came instead. */
export const scanned = (result: RspamdResult | undefined): RspamdVerdict => {
  if (!result?.scanned) throw new Error(`expected a verdict, got ${JSON.stringify(result)}`);
  return result;
};
