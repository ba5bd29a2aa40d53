import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { FumiExecutionContext, SmtpException } from '../../lib/index.js';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample.config.js';
import { domainOf } from './domain-of.js';

/** Refuses senders from `BLOCKED_SENDER_DOMAINS` at MAIL FROM. */
@Injectable()
export class BlockedSenderGuard implements CanActivate {
  constructor(@Inject(SAMPLE_CONFIG) private readonly config: SampleConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const ctx = FumiExecutionContext.create(context).getContext();
    if (ctx.phase === 'mailFrom' && this.config.blockedSenderDomains.has(domainOf(ctx.address.address))) {
      // a policy refusal, not "log in first": choose the reply instead of returning false
      throw new SmtpException('Sender domain blocked', 550, '5.7.1');
    }
    return true;
  }
}
