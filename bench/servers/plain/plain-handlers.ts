import { Injectable } from '@nestjs/common';
import {
  CloseContext,
  ConnectContext,
  Ctx,
  DataContext,
  MailFromContext,
  OnClose,
  OnConnect,
  OnData,
  OnMailFrom,
  OnRcptTo,
  RcptToContext,
} from '../../../lib/index.js';
import { countMessageBytes, deliveryTally, isAcceptableSender, isAllowedClient, isLocalRecipient } from '../mail-policy.js';

/** Variant (2): one handler per phase, no guards, interceptors or pipes; the raw callbacks' work. */
@Injectable()
export class PlainHandlers {
  @OnConnect()
  connect(@Ctx() ctx: ConnectContext): void {
    if (!isAllowedClient(ctx.session.remoteAddress)) ctx.reject('Not from there', 554);
  }

  @OnMailFrom()
  mailFrom(@Ctx() ctx: MailFromContext): void {
    if (!isAcceptableSender(ctx.address.address)) ctx.reject('Bad sender');
  }

  @OnRcptTo()
  rcptTo(@Ctx() ctx: RcptToContext): void {
    if (!isLocalRecipient(ctx.address.address)) ctx.reject('Relay access denied');
  }

  @OnData()
  async data(@Ctx() ctx: DataContext): Promise<void> {
    deliveryTally.bytes += await countMessageBytes(ctx.stream);
    deliveryTally.messages++;
  }

  @OnClose()
  close(@Ctx() _ctx: CloseContext): void {
    deliveryTally.closedSessions++;
  }
}
