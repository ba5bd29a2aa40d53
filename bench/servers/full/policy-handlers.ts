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
import { isAcceptableSender, isAllowedClient, isLocalRecipient } from '../mail-policy.js';
import { ConnectionLedger } from './connection-ledger.service.js';
import { SmtpContextPipe } from './smtp-context.pipe.js';
import { WithFullPipeline } from './with-full-pipeline.decorator.js';

/** Second of the three chained handlers of every phase: the checks the raw callbacks make. */
@Injectable()
@WithFullPipeline()
export class PolicyHandlers {
  constructor(private readonly ledger: ConnectionLedger) {}

  @OnConnect({ priority: 10 })
  connect(@Ctx(SmtpContextPipe) ctx: ConnectContext): void {
    if (!isAllowedClient(ctx.session.remoteAddress)) ctx.reject('Not from there', 554);
    this.ledger.record(ctx.phase);
  }

  @OnMailFrom({ priority: 10 })
  mailFrom(@Ctx(SmtpContextPipe) ctx: MailFromContext): void {
    if (!isAcceptableSender(ctx.address.address)) ctx.reject('Bad sender');
    this.ledger.record(ctx.phase);
  }

  @OnRcptTo({ priority: 10 })
  rcptTo(@Ctx(SmtpContextPipe) ctx: RcptToContext): void {
    if (!isLocalRecipient(ctx.address.address)) ctx.reject('Relay access denied');
    this.ledger.record(ctx.phase);
  }

  @OnData({ priority: 10 })
  data(@Ctx(SmtpContextPipe) ctx: DataContext): void {
    this.ledger.record(ctx.phase);
  }

  @OnClose({ priority: 10 })
  close(@Ctx(SmtpContextPipe) ctx: CloseContext): void {
    this.ledger.record(ctx.phase);
  }
}
