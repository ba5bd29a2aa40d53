import {
  BadRequestException,
  Injectable,
  type PipeTransform,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { SmtpAddress } from 'nestjs-fumi';

/** Turns a RCPT TO address into its lower-cased mailbox; other domains than ours are refused (550 5.5.4). */
@Injectable()
export class LocalRecipientPipe implements PipeTransform<SmtpAddress, string> {
  constructor(private readonly config: ConfigService) {}

  transform(value: SmtpAddress): string {
    const mailbox = value.address.toLowerCase();
    const domain = this.config.getOrThrow<string>('smtp.localDomain');
    if (!mailbox.endsWith(`@${domain}`)) {
      throw new BadRequestException(`${mailbox} is not a mailbox of ${domain}`);
    }
    return mailbox;
  }
}
