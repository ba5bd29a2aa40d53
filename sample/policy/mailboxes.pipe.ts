import { Inject, Injectable, type PipeTransform } from '@nestjs/common';
import type { SmtpEnvelope } from '../../lib/index.js';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample.config.js';
import { domainOf } from './domain-of.js';
import { mailboxFolder } from './mailbox-folder.js';

/** Maildir folder for mail our users send elsewhere (the sample does not deliver it onwards). */
export const OUTBOUND_MAILBOX = 'outbound';

/**
 * Turns an envelope into the Maildir folders the message goes to: one per local recipient
 * (lower-cased, each once, as a safe folder name), plus `outbound` when any recipient is elsewhere.
 */
@Injectable()
export class MailboxesPipe implements PipeTransform<SmtpEnvelope, string[]> {
  constructor(@Inject(SAMPLE_CONFIG) private readonly config: SampleConfig) {}

  transform(envelope: SmtpEnvelope): string[] {
    const local = new Set<string>();
    let remote = false;
    for (const { address } of envelope.rcptTo) {
      if (this.config.domains.has(domainOf(address))) local.add(mailboxFolder(address.toLowerCase()));
      else remote = true;
    }
    return remote ? [...local, OUTBOUND_MAILBOX] : [...local];
  }
}
