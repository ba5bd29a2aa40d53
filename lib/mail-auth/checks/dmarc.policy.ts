import { SmtpException } from '../../exceptions/smtp.exception.js';
import { MAIL_AUTH_REPLIES } from '../mail-auth.messages.js';
import type { ResolvedMailAuthOptions } from '../options/resolved-mail-auth-options.js';
import type { MessageVerdicts } from './message-auth.check.js';

/** The two domains align in DMARC's relaxed sense, near enough: one is the other or a parent of it. */
const aligned = (domain: string | undefined, from: string) =>
  !!domain && !!from && (domain === from || domain.endsWith(`.${from}`) || from.endsWith(`.${domain}`));

/**
 * Refuses the message when DMARC says reject and the options agree. A DNS failure that could
 * turn that verdict into a pass (DMARC's own, or an aligned SPF or DKIM check's) defers it
 * instead, so a temporary error is never a hard refusal; nothing else is deferred.
 */
export function enforceDmarc(verdicts: MessageVerdicts, options: ResolvedMailAuthOptions): void {
  const dmarc = verdicts.dmarc;
  if (!dmarc || options.dmarc?.reject !== 'reject') return;
  const from = dmarc.domain.toLowerCase();
  const lookupFailed =
    (verdicts.spf?.result === 'temperror' && aligned(verdicts.spf.domain.toLowerCase(), from)) ||
    verdicts.dkim.some((d) => d.result === 'temperror' && aligned(d.domain?.toLowerCase(), from));
  const rejecting = dmarc.result === 'fail' && dmarc.policy === 'reject';
  if (dmarc.result === 'temperror' || (rejecting && lookupFailed)) {
    if (options.temperror === 'defer') throw new SmtpException(MAIL_AUTH_REPLIES.dmarcTemperror(dmarc.domain), 451, '4.4.3');
    return;
  }
  if (rejecting) throw new SmtpException(MAIL_AUTH_REPLIES.dmarcReject(dmarc.domain), 550, '5.7.1');
}
