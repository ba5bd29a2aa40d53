import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import {
  Ctx,
  Next,
  type NextFunction,
  OnClose,
  OnConnect,
  OnData,
  OnMailFrom,
  OnRcptTo,
  SmtpContext,
} from '../../../lib/index.js';
import { ConnectionLedger } from './connection-ledger.service.js';
import { SmtpContextPipe } from './smtp-context.pipe.js';
import { WithFullPipeline } from './with-full-pipeline.decorator.js';

/** First of the three chained handlers of every phase: times the rest of the chain (Koa-style). */
@Injectable()
@WithFullPipeline()
export class TimingHandlers {
  constructor(private readonly ledger: ConnectionLedger) {}

  @OnConnect({ priority: 20 })
  @OnMailFrom({ priority: 20 })
  @OnRcptTo({ priority: 20 })
  @OnData({ priority: 20 })
  @OnClose({ priority: 20 })
  async time(@Ctx(SmtpContextPipe) ctx: SmtpContext, @Next() next: NextFunction): Promise<void> {
    const started = performance.now();
    await next();
    this.ledger.record(ctx.phase, performance.now() - started);
  }
}
