import { Injectable, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  Ctx,
  type DataContext,
  OnClose,
  OnConnect,
  OnData,
  OnMailFrom,
  OnRcptTo,
  RcptTo,
  type SmtpContext,
} from 'nestjs-fumi';
import { BlockedSenderGuard } from './blocked-sender.guard.js';
import { ConnectionLog } from './connection-log.js';
import { LocalRecipientPipe } from './local-recipient.pipe.js';
import { MailStore } from './mail-store.js';
import {
  type MailState,
  TransactionTagInterceptor,
} from './transaction-tag.interceptor.js';

/** Every phase of a connection, handled by the instance its `ConnectionLog` makes request-scoped. */
@Injectable()
export class MailHandlers {
  constructor(
    private readonly store: MailStore,
    private readonly log: ConnectionLog,
  ) {}

  @OnConnect()
  @OnClose()
  note(@Ctx() ctx: SmtpContext): void {
    this.record(ctx);
  }

  @OnMailFrom()
  @UseGuards(BlockedSenderGuard)
  mailFrom(@Ctx() ctx: SmtpContext): void {
    this.record(ctx);
  }

  @OnRcptTo()
  rcptTo(
    @Ctx() ctx: SmtpContext,
    @RcptTo(LocalRecipientPipe) mailbox: string,
  ): void {
    this.record(ctx);
    this.log.addRecipient(mailbox);
  }

  @OnData()
  @UseInterceptors(TransactionTagInterceptor)
  async data(@Ctx() ctx: DataContext<MailState>): Promise<void> {
    this.record(ctx);
    const mail = await ctx.parse();
    this.store.messages.push({
      connection: this.log.instance,
      tag: ctx.session.state.tag ?? '',
      sender: ctx.session.envelope.mailFrom?.address ?? '',
      recipients: this.log.takeRecipients(),
      subject: mail.subject,
      text: mail.text?.trim(),
    });
  }

  private record(ctx: SmtpContext): void {
    this.store.calls.push({
      session: ctx.session.id,
      phase: ctx.phase,
      instance: this.log.instance,
    });
  }
}
