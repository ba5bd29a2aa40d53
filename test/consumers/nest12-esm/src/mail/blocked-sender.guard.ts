import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  FumiExecutionContext,
  type MailFromContext,
  SmtpException,
} from 'nestjs-fumi';

/** Refuses MAIL FROM senders whose domain is in `smtp.blockedSenderDomains`. */
@Injectable()
export class BlockedSenderGuard implements CanActivate {
  constructor(private readonly config: ConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const ctx =
      FumiExecutionContext.create(context).getContext<MailFromContext>();
    const domain = ctx.address.address.split('@').pop()?.toLowerCase() ?? '';
    const blocked = this.config.getOrThrow<string[]>(
      'smtp.blockedSenderDomains',
    );
    // a policy refusal chooses its reply; returning false would say "Access denied"
    if (blocked.includes(domain))
      throw new SmtpException('Sender domain blocked', 550, '5.7.1');
    return true;
  }
}
