import { authenticate, type AuthenticateResult } from 'mailauth';
import { pipeline, type Readable } from 'node:stream';
import type { FumiSession } from '../../server/fumi-session.js';
import type { BudgetedLookup } from '../dns/dns-lookup.js';
import type { ResolvedMailAuthOptions } from '../options/resolved-mail-auth-options.js';
import type { ArcVerdict, AuthResultKeyword, DkimVerdict, DmarcPolicy, DmarcVerdict } from '../results/mail-auth-results.interface.js';
import { DkimSignatureCap } from './dkim-signature.cap.js';

export interface MessageVerdicts {
  /** SPF as DMARC saw it (mailauth checks it again, from the same answers), and its domain. */
  readonly spf?: { readonly result: AuthResultKeyword; readonly domain: string };
  readonly dkim: DkimVerdict[];
  /** DKIM-Signature fields past `dmarc.maxSignatures`, not verified. */
  readonly dkimNotVerified: number;
  readonly arc?: ArcVerdict;
  readonly dmarc?: DmarcVerdict;
  /** Set when mailauth itself failed on this message (not DNS, not the client): why. */
  readonly failure?: string;
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
  const cap = new DkimSignatureCap(dmarc.maxSignatures);
  // pipeline passes a failure of the message (the client went away) on to mailauth's reader
  pipeline(stream, cap, () => undefined);
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const overtime = received.then(
    () =>
      new Promise<undefined>((resolve) => {
        if (settled) return resolve(undefined);
        answers.start(options.dns.budget);
        timer = setTimeout(() => resolve(undefined), options.dns.budget + AFTER_BUDGET_MS);
      }),
  );
  const checked = authenticate(cap, {
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
    if (result) return { ...verdictsOf(result), dkimNotVerified: cap.dropped };
    cap.destroy();
    checked.catch(() => undefined);
    return { dkim: [], dkimNotVerified: cap.dropped, dmarc: unverified('time budget exceeded', 'temperror') };
  } catch (error) {
    // the client went away: that is the message's failure, not a verdict
    if (await received.then(() => false, () => true)) throw error;
    const reason = (error as Error).message;
    return { dkim: [], dkimNotVerified: cap.dropped, dmarc: unverified(`not verifiable: ${reason}`, 'permerror'), failure: reason };
  } finally {
    settled = true;
    clearTimeout(timer);
    answers.close();
  }
}

function verdictsOf(result: AuthenticateResult): Omit<MessageVerdicts, 'dkimNotVerified'> {
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
        policy: (result.dmarc.policy || 'none') as DmarcPolicy,
        quarantine: result.dmarc.status.result === 'fail' && result.dmarc.policy === 'quarantine',
        comment: result.dmarc.status.comment,
        info: result.dmarc.info,
      }
    : undefined;
  const spf = result.spf ? { result: result.spf.status.result as AuthResultKeyword, domain: result.spf.domain } : undefined;
  return { spf, dkim, arc, dmarc };
}

/** A message whose DMARC could not be evaluated: `temperror` (out of time) or `permerror`. */
function unverified(comment: string, result: 'temperror' | 'permerror'): DmarcVerdict {
  return { result, domain: '', policy: 'none', quarantine: false, comment, info: `dmarc=${result} (${comment.replace(/[()\\]/g, '')})` };
}
