import { Injectable } from '@nestjs/common';
import { Ctx, DataContext, OnClose, OnConnect, OnData, OnMailFrom, OnRcptTo, SmtpContext } from '../../../lib/index.js';
import { countMessageBytes, deliveryTally } from '../mail-policy.js';
import { ConnectionLedger } from './connection-ledger.service.js';
import { SmtpContextPipe } from './smtp-context.pipe.js';
import { WithFullPipeline } from './with-full-pipeline.decorator.js';

/** Last of the three chained handlers of every phase: reads the message, keeps the tallies. */
@Injectable()
@WithFullPipeline()
export class DeliveryHandlers {
  constructor(private readonly ledger: ConnectionLedger) {}

  @OnConnect()
  @OnMailFrom()
  @OnRcptTo()
  note(@Ctx(SmtpContextPipe) ctx: SmtpContext): void {
    this.ledger.record(ctx.phase);
  }

  @OnData()
  async data(@Ctx(SmtpContextPipe) ctx: DataContext): Promise<void> {
    deliveryTally.bytes += await countMessageBytes(ctx.stream);
    deliveryTally.messages++;
    this.ledger.record(ctx.phase);
  }

  @OnClose()
  close(@Ctx(SmtpContextPipe) ctx: SmtpContext): void {
    deliveryTally.closedSessions++;
    this.ledger.record(ctx.phase);
  }
}
