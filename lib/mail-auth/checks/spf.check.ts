import { spf } from 'mailauth/lib/spf/index.js';
import { SmtpException } from '../../exceptions/smtp.exception.js';
import type { FumiSession } from '../../server/fumi-session.js';
import { BudgetedLookup } from '../dns/dns-lookup.js';
import { MAIL_AUTH_REPLIES } from '../mail-auth.messages.js';
import type { ResolvedMailAuthOptions } from '../options/resolved-mail-auth-options.js';
import type { AuthResultKeyword, SpfVerdict } from '../results/mail-auth-results.interface.js';

/** SPF of the transaction's sender (RFC 7208), through mailauth and under the DNS budget. */
export async function checkSpf(
  session: FumiSession,
  options: ResolvedMailAuthOptions,
  authservId: string,
  answers: BudgetedLookup,
): Promise<SpfVerdict> {
  const sender = session.envelope.mailFrom?.address ?? '';
  const helo = session.clientHostname ?? `[${session.remoteAddress}]`;
  answers.start(options.dns.budget);
  const identity = sender ? 'mailfrom' : 'helo';
  let result;
  try {
    result = await spf({ sender, ip: session.remoteAddress, helo, mta: authservId, resolver: answers.lookup, maxElapsedTime: options.dns.budget });
  } catch (error) {
    // mailauth failing on this input would fail again on every retry: a permanent error, recorded
    const failure = (error as Error).message;
    const domain = (sender.split('@').pop() || helo).toLowerCase();
    return { result: 'permerror', domain, identity, comment: failure, info: `spf=permerror (not verifiable) smtp.${identity}=${domain}`, failure };
  }
  return {
    result: result.status.result as AuthResultKeyword,
    domain: result.domain,
    identity,
    comment: result.status.comment,
    info: result.info,
  };
}

/** Refuses the sender when the verdict and the options say so; otherwise the verdict is only recorded. */
export function enforceSpf(verdict: SpfVerdict, session: FumiSession, options: ResolvedMailAuthOptions): void {
  if (verdict.result === 'fail' && options.spf?.fail === 'reject') {
    throw new SmtpException(MAIL_AUTH_REPLIES.spfFail(verdict.domain, session.remoteAddress), 550, '5.7.23');
  }
  if (verdict.result === 'temperror' && options.temperror === 'defer') {
    throw new SmtpException(MAIL_AUTH_REPLIES.spfTemperror(verdict.domain), 451, '4.4.3');
  }
}
