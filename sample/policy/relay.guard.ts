import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { FumiExecutionContext, SmtpException } from '../../lib/index.js';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample.config.js';
import { domainOf } from './domain-of.js';

/** Mail for our domains is welcome from anyone; mail for elsewhere only from our users. */
@Injectable()
export class RelayGuard implements CanActivate {
  constructor(@Inject(SAMPLE_CONFIG) private readonly config: SampleConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const ctx = FumiExecutionContext.create(context).getContext();
    if (ctx.phase !== 'rcptTo') return true;
    if (this.config.domains.has(domainOf(ctx.address.address)) || ctx.session.user !== undefined) return true;
    throw new SmtpException('Relay access denied', 550, '5.7.1');
  }
}
