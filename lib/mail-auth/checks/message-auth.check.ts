import { authenticate, type AuthenticateResult } from 'mailauth';
import type { Readable } from 'node:stream';
import { SmtpException } from '../../exceptions/smtp.exception.js';
import type { FumiSession } from '../../server/fumi-session.js';
import type { BudgetedLookup } from '../dns/dns-lookup.js';
import { MAIL_AUTH_REPLIES } from '../mail-auth.messages.js';
import type { ResolvedMailAuthOptions } from '../options/resolved-mail-auth-options.js';
import type { ArcVerdict, AuthResultKeyword, DkimVerdict, DmarcVerdict } from '../results/mail-auth-results.interface.js';

export interface MessageVerdicts {
  /** SPF as DMARC saw it (mailauth checks it again, from the same answers). */
  readonly spf?: AuthResultKeyword;
  readonly dkim: DkimVerdict[];
  readonly arc?: ArcVerdict;
  readonly dmarc?: DmarcVerdict;
}

/** Past the budget every lookup fails at once; this bounds what is left (the message's own CPU work). */
const AFTER_BUDGET_MS = 1000;

/**
 * DKIM, ARC and DMARC of a message through mailauth, reading `stream` (opened before any handler
 * reads the message) and asking DNS only once the message is complete, under the time budget.
 */
export async function checkMessage(
  stream: Readable,
  received: Promise<void>,
  session: FumiSession,
  options: ResolvedMailAuthOptions,
  authservId: string,
  answers: BudgetedLookup,
): Promise<MessageVerdicts> {
  const dmarc = options.dmarc!;
  let timer: NodeJS.Timeout | undefined;
  const overtime = received.then(
    () =>
      new Promise<undefined>((resolve) => {
        answers.start(options.dns.budget);
        timer = setTimeout(() => resolve(undefined), options.dns.budget + AFTER_BUDGET_MS);
      }),
  );
  const checked = authenticate(stream, {
    ip: session.remoteAddress,
    helo: session.clientHostname,
    sender: session.envelope.mailFrom?.address ?? '',
    mta: authservId,
    resolver: answers.lookup,
    disableArc: !dmarc.arc,
    disableBimi: true,
    minBitLength: dmarc.minBitLength,
  });
  try {
    const result = await Promise.race([checked, overtime]);
    if (result) return verdictsOf(result);
    stream.destroy();
    checked.catch(() => undefined);
    return { dkim: [], dmarc: overdue() };
  } finally {
    clearTimeout(timer);
    answers.close();
  }
}

function verdictsOf(result: AuthenticateResult): MessageVerdicts {
  const dkim = result.dkim.results.map(
    (row): DkimVerdict => ({
      result: row.status.result as AuthResultKeyword,
      domain: row.signingDomain,
      selector: row.selector,
      algorithm: row.algo,
      aligned: row.status.aligned || undefined,
      comment: row.status.comment,
      info: row.info,
    }),
  );
  const arc: ArcVerdict | undefined = result.arc
    ? {
        result: result.arc.status.result as AuthResultKeyword,
        instance: result.arc.i || undefined,
        comment: result.arc.status.comment,
        info: result.arc.info ?? `arc=${result.arc.status.result}`,
      }
    : undefined;
  const dmarc: DmarcVerdict | undefined = result.dmarc
    ? {
        result: result.dmarc.status.result as AuthResultKeyword,
        domain: result.dmarc.status.header?.from ?? result.dmarc.domain,
        policy: result.dmarc.policy,
        quarantine: result.dmarc.status.result === 'fail' && result.dmarc.policy === 'quarantine',
        comment: result.dmarc.status.comment,
        info: result.dmarc.info,
      }
    : undefined;
  return { spf: result.spf ? (result.spf.status.result as AuthResultKeyword) : undefined, dkim, arc, dmarc };
}

/** Verification that could not finish within its budget: a DNS failure, so `temperror`. */
function overdue(): DmarcVerdict {
  return {
    result: 'temperror',
    domain: '',
    policy: 'none',
    quarantine: false,
    comment: 'time budget exceeded',
    info: 'dmarc=temperror (time budget exceeded)',
  };
}

/**
 * Refuses the message when DMARC says reject and the options agree; a DNS failure that could
 * change the verdict defers it instead, so a temporary error is never a hard refusal.
 */
export function enforceDmarc(verdicts: MessageVerdicts, options: ResolvedMailAuthOptions): void {
  const dmarc = verdicts.dmarc;
  if (!dmarc) return;
  const lookupFailed = verdicts.spf === 'temperror' || verdicts.dkim.some((d) => d.result === 'temperror');
  const temporary = dmarc.result === 'temperror' || (dmarc.result === 'fail' && lookupFailed);
  if (temporary && options.temperror === 'defer') {
    throw new SmtpException(MAIL_AUTH_REPLIES.dmarcTemperror(dmarc.domain), 451, '4.4.3');
  }
  if (!temporary && dmarc.result === 'fail' && dmarc.policy === 'reject' && options.dmarc?.reject === 'reject') {
    throw new SmtpException(MAIL_AUTH_REPLIES.dmarcReject(dmarc.domain), 550, '5.7.1');
  }
}
