import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { DataContext } from '../context/data.context.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { READ_TOO_LATE } from '../message/spool-errors.js';
import { CircuitBreaker } from './circuit-breaker.js';
import {
  DEFAULT_RSPAMD_CIRCUIT_BREAKER,
  DEFAULT_RSPAMD_MAX_SIZE,
  DEFAULT_RSPAMD_TIMEOUT,
  FUMI_RSPAMD_OPTIONS,
} from './fumi-rspamd.constants.js';
import { RSPAMD_MESSAGES, RSPAMD_REPLIES } from './fumi-rspamd.messages.js';
import type { FumiRspamdModuleOptions } from './fumi-rspamd-options.interface.js';
import { validateFumiRspamdOptions } from './fumi-rspamd-options.validator.js';
import { parseRspamdAnswer } from './rspamd-answer.parser.js';
import { RspamdClient } from './rspamd.client.js';
import { rspamdRequestHeaders } from './rspamd-request-headers.js';
import { RspamdRequestError } from './rspamd-request.error.js';
import type { RspamdFailureReason, RspamdNotScanned, RspamdResult, RspamdVerdict } from './rspamd-result.interface.js';
import { notScannedHeaders, rejectSummary } from './spam-headers.js';
import { recordSpamResult } from './spam-result.store.js';

type AnyDataContext = DataContext<object, unknown>;

/**
 * Asks rspamd about each message and applies its action: the body of the `@OnData()` handler
 * `FumiRspamdModule` registers (see `rspamdHandlerFor()`). A refusal throws the SMTP reply; any
 * other outcome returns, and the handlers after it run with the result on the context.
 */
@Injectable()
export class FumiRspamdScanner implements OnApplicationShutdown {
  private readonly logger = new Logger('FumiRspamd');
  private readonly client: RspamdClient;
  private readonly breaker?: CircuitBreaker;
  private readonly timeout: number;
  private readonly maxSize: number;
  private readonly acceptOnFailure: boolean;

  constructor(@Inject(FUMI_RSPAMD_OPTIONS) options: FumiRspamdModuleOptions) {
    validateFumiRspamdOptions(options);
    this.client = new RspamdClient(options.url);
    this.timeout = options.timeout ?? DEFAULT_RSPAMD_TIMEOUT;
    this.maxSize = options.maxSize ?? DEFAULT_RSPAMD_MAX_SIZE;
    this.acceptOnFailure = options.onFailure === 'accept';
    if (options.circuitBreaker !== false) {
      const { failures, resetAfter } = { ...DEFAULT_RSPAMD_CIRCUIT_BREAKER, ...options.circuitBreaker };
      this.breaker = new CircuitBreaker(failures, resetAfter);
    }
  }

  onApplicationShutdown(): void {
    this.client.close();
  }

  /** Scans the message, records the result on the context, and refuses it when rspamd (or the failure policy) says so. */
  async scan(ctx: AnyDataContext): Promise<void> {
    await ctx.received();
    // refused with 552 by the server whatever the handlers do
    if (ctx.sizeExceeded) return;
    const result = await this.check(ctx);
    recordSpamResult(ctx, result);
    if (result.scanned) this.apply(result);
    else if (result.reason !== 'too-large') {
      // while the circuit is open its opening was the one line worth logging, not every message
      if (result.reason !== 'circuit-open') {
        this.logger.warn(RSPAMD_MESSAGES.notScanned(ctx.session.id, result.reason, result.detail, this.acceptOnFailure));
      }
      if (!this.acceptOnFailure) throw reply(RSPAMD_REPLIES.unavailable);
    }
  }

  /** rspamd's verdict on the complete message of `ctx`, or why there is none; never throws for rspamd's failures. */
  private async check(ctx: AnyDataContext): Promise<RspamdResult> {
    if (ctx.byteLength > this.maxSize) return notScanned('too-large', RSPAMD_MESSAGES.tooLarge(ctx.byteLength, this.maxSize));
    const decision = this.breaker?.request() ?? { allowed: true };
    if (!decision.allowed) return notScanned('circuit-open', RSPAMD_MESSAGES.circuitOpen(decision.retryInMs));
    const started = performance.now();
    let verdict: RspamdVerdict;
    try {
      const answer = await this.client.check(() => ctx.stream, rspamdRequestHeaders(ctx), this.timeout);
      verdict = parseRspamdAnswer(answer, Math.round(performance.now() - started));
    } catch (error) {
      if (!(error instanceof RspamdRequestError)) {
        // not rspamd's doing (the spool failed): nothing learnt about rspamd
        this.breaker?.abandoned();
        // without a spool file its first bytes were read and let go (by a handler before the scan): retrying cannot help
        if (isReadTooLate(error)) return notScanned('too-large', RSPAMD_MESSAGES.readTooLate(ctx.byteLength));
        throw error;
      }
      if (this.breaker?.failed()) this.logger.warn(RSPAMD_MESSAGES.circuitOpened(this.breaker.resetAfterMs));
      return notScanned(error.reason, error.message);
    }
    if (this.breaker?.succeeded()) this.logger.log(RSPAMD_MESSAGES.circuitClosed());
    return verdict;
  }

  /** rspamd's action as the SMTP reply: refusals throw, the rest lets the message through. */
  private apply(verdict: RspamdVerdict): void {
    switch (verdict.action) {
      case 'reject':
        throw new SmtpException(RSPAMD_REPLIES.reject.text(rejectSummary(verdict)), RSPAMD_REPLIES.reject.code, RSPAMD_REPLIES.reject.enhanced);
      case 'soft reject':
        throw reply({ ...RSPAMD_REPLIES.softReject, text: replyText(verdict.smtpMessage) ?? RSPAMD_REPLIES.softReject.text });
      case 'greylist':
        throw reply(RSPAMD_REPLIES.greylist);
      default:
        return;
    }
  }
}

function reply(canned: { readonly code: number; readonly enhanced: string; readonly text: string }): SmtpException {
  return new SmtpException(canned.text, canned.code, canned.enhanced);
}

function isReadTooLate(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === READ_TOO_LATE;
}

function notScanned(reason: RspamdFailureReason, detail: string): RspamdNotScanned {
  return { scanned: false, reason, detail, headers: notScannedHeaders(reason) };
}

/** rspamd's proposed reply text, when it is one short printable line. */
function replyText(message: string | undefined): string | undefined {
  return message && /^[\x20-\x7e]{1,200}$/.test(message) ? message : undefined;
}
