import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConnectContext } from '../context/connect.context.js';
import type { DataContext } from '../context/data.context.js';
import type { MailFromContext } from '../context/mail-from.context.js';
import type { RcptToContext } from '../context/rcpt-to.context.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import type { FumiSession } from '../server/fumi-session.js';
import { DnsblCheck } from './checks/dnsbl.check.js';
import { greylistWait } from './checks/greylist.check.js';
import { enforceDmarc } from './checks/dmarc.policy.js';
import { checkMessage } from './checks/message-auth.check.js';
import { checkSpf, enforceSpf } from './checks/spf.check.js';
import { BudgetedLookup } from './dns/dns-lookup.js';
import { FUMI_MAIL_AUTH_OPTIONS } from './fumi-mail-auth.module-definition.js';
import { MAIL_AUTH_LOG, MAIL_AUTH_REPLIES } from './mail-auth.messages.js';
import type { FumiMailAuthModuleOptions } from './options/mail-auth-options.interface.js';
import { validateMailAuthOptions } from './options/mail-auth-options.validator.js';
import { resolveMailAuthOptions, type ResolvedMailAuthOptions } from './options/resolved-mail-auth-options.js';
import { authStateOf } from './results/session-auth-state.js';

/** DNS answers of a transaction's SPF check, reused by its message check. */
const spfAnswers = new WeakMap<FumiSession, BudgetedLookup>();

/** Runs each check in its phase and applies the options' policy; the handlers call it. */
@Injectable()
export class MailAuthService {
  readonly options: ResolvedMailAuthOptions;
  private readonly dnsbl?: DnsblCheck;
  private readonly logger = new Logger('FumiMailAuth');

  constructor(@Inject(FUMI_MAIL_AUTH_OPTIONS) options: FumiMailAuthModuleOptions) {
    validateMailAuthOptions(options);
    this.options = resolveMailAuthOptions(options);
    if (this.options.dnsbl) this.dnsbl = new DnsblCheck(this.options.dnsbl, this.options.dns);
  }

  async onConnect(ctx: ConnectContext): Promise<void> {
    const { session } = ctx;
    const state = authStateOf(session, this.options.authservId);
    if (!this.dnsbl || this.options.allowlist.matches(session.remoteAddress)) return;
    state.dnsbl = await this.dnsbl.listings(session.remoteAddress);
    const [first] = state.dnsbl;
    if (first && this.options.dnsbl!.listed === 'reject') {
      throw new SmtpException(MAIL_AUTH_REPLIES.dnsblListed(session.remoteAddress, first.zone), 554, '5.7.1');
    }
  }

  async onMailFrom(ctx: MailFromContext): Promise<void> {
    const { session } = ctx;
    const state = authStateOf(session, this.options.authservId);
    if (!this.options.spf) return;
    const answers = this.lookup();
    spfAnswers.set(session, answers);
    try {
      state.spf = await checkSpf(session, this.options, state.authservId, answers);
    } finally {
      answers.close();
    }
    if (state.spf.result === 'permerror' && state.spf.failure) this.logger.warn(MAIL_AUTH_LOG.spfFailed(session.id, state.spf.failure));
    enforceSpf(state.spf, session, this.options);
  }

  async onRcptTo(ctx: RcptToContext): Promise<void> {
    const { session } = ctx;
    const greylist = this.options.greylist;
    if (!greylist || session.user !== undefined || this.options.allowlist.matches(session.remoteAddress)) return;
    const state = authStateOf(session, this.options.authservId);
    if (greylist.skipSpfPass && state.spf?.result === 'pass') return;
    const sender = session.envelope.mailFrom?.address ?? '';
    const wait = await greylistWait(greylist, session.remoteAddress, sender, ctx.address.address);
    if (wait > 0) throw new SmtpException(MAIL_AUTH_REPLIES.greylisted(wait), 451, '4.7.1');
  }

  async onData(ctx: DataContext): Promise<void> {
    const { session } = ctx;
    const state = authStateOf(session, this.options.authservId);
    if (!this.options.dmarc) return;
    // opened before any handler's reader, so it reads the whole message even without a spool file
    const stream = ctx.stream;
    const answers = this.lookup(spfAnswers.get(session));
    const verdicts = await checkMessage(stream, ctx.received(), session, this.options, state.authservId, answers);
    Object.assign(state, { dkim: verdicts.dkim, dkimNotVerified: verdicts.dkimNotVerified, arc: verdicts.arc, dmarc: verdicts.dmarc });
    if (verdicts.failure) this.logger.warn(MAIL_AUTH_LOG.messageFailed(session.id, verdicts.failure));
    // an oversized message is refused with 552 whatever DMARC says of what was kept of it
    if (!ctx.sizeExceeded) enforceDmarc(verdicts, this.options);
  }

  /** A fresh set of lookups, seeded with answers already had in this transaction. */
  private lookup(seed?: BudgetedLookup): BudgetedLookup {
    return new BudgetedLookup(this.options.dns, seed);
  }
}
