import { Inject, Injectable } from '@nestjs/common';
import { Ctx, DataContext, type FumiModuleOptions, MailFromContext, OnData, OnMailFrom, OnRcptTo, RcptToContext } from '../../../lib/index.js';
import { startApp, type RunningApp } from '../../support/app.js';

/** Everything an inbox's handlers saw. */
export class Mailbox {
  readonly senders: string[] = [];
  readonly recipients: string[] = [];
  /** Messages a data handler received whole, i.e. those the client got (or was about to get) 250 for. */
  readonly messages: { from: string; to: string[]; body: Buffer }[] = [];
  /** Messages whose content a data handler could not read whole (cut short, or refused). */
  failures = 0;

  bodiesFrom(sender: string): string[] {
    return this.messages.filter((m) => m.from === sender).map((m) => m.body.toString('latin1'));
  }
}

const MAILBOX = Symbol('MAILBOX');

/** Takes every sender, recipient and message, and writes down what it saw. */
@Injectable()
class RecordingInbox {
  constructor(@Inject(MAILBOX) private readonly mailbox: Mailbox) {}

  @OnMailFrom() sender(@Ctx() ctx: MailFromContext) {
    this.mailbox.senders.push(ctx.address.address);
  }

  @OnRcptTo() recipient(@Ctx() ctx: RcptToContext) {
    this.mailbox.recipients.push(ctx.address.address);
  }

  @OnData() async message(@Ctx() ctx: DataContext) {
    try {
      const body = await ctx.buffer();
      const { mailFrom, rcptTo } = ctx.session.envelope;
      this.mailbox.messages.push({ from: mailFrom?.address ?? '', to: rcptTo.map((r) => r.address), body });
    } catch (error) {
      this.mailbox.failures++;
      throw error;
    }
  }
}

/** A running server whose handlers record into `mailbox`. */
export interface RecordingInboxApp extends RunningApp {
  readonly mailbox: Mailbox;
}

/** Starts a server (on a free loopback port) with the recording inbox and `options`. */
export async function startRecordingInbox(options: FumiModuleOptions = {}): Promise<RecordingInboxApp> {
  const mailbox = new Mailbox();
  const running = await startApp({ providers: [RecordingInbox, { provide: MAILBOX, useValue: mailbox }] }, options);
  return { ...running, mailbox };
}
