import type { SmtpContext } from '../../context/smtp.context.js';
import { resultsView } from './session-auth-state.js';
import type { MailAuthResults } from './mail-auth-results.interface.js';

const NOTHING_YET: MailAuthResults = Object.freeze({ dnsbl: [], dkim: [], dkimNotVerified: 0, header: '' });

/**
 * What mail authentication has found for this context's session so far (its header is empty
 * when no check has run). In `@OnData()` handlers the message checks are complete.
 *
 * @example
 * const results = mailAuthResultsOf(ctx);
 * if (results.dmarc?.quarantine) folder = 'Junk';
 */
export function mailAuthResultsOf<TState extends object, TUser>(ctx: SmtpContext<TState, TUser>): MailAuthResults {
  return resultsView(ctx.session) ?? NOTHING_YET;
}
