/** What rspamd recommends doing with a message. */
export type RspamdAction = 'no action' | 'greylist' | 'add header' | 'rewrite subject' | 'soft reject' | 'reject';

/** One rule that matched, as rspamd reports it. */
export interface RspamdSymbol {
  readonly name: string;
  /** Its contribution to the score. */
  readonly score: number;
  /** What the rule found (a domain, a URL, ...), when it says. */
  readonly options?: readonly string[];
  readonly description?: string;
}

/** rspamd's answer about a message. */
export interface RspamdVerdict {
  readonly scanned: true;
  readonly action: RspamdAction;
  readonly score: number;
  /** The score of the `reject` action. */
  readonly requiredScore: number;
  /** The rules that matched, by name. */
  readonly symbols: Readonly<Record<string, RspamdSymbol>>;
  /** With `rewrite subject`: the subject rspamd proposes (its `subject` template applied). */
  readonly subject?: string;
  /**
   * With `add header` and `rewrite subject`: `X-Spam-Flag`, `X-Spam-Score`, `X-Spam-Level` and
   * `X-Spam-Status` for the stored message; empty otherwise.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The reply text rspamd proposes (`messages.smtp_message`), when it proposes one. */
  readonly smtpMessage?: string;
  /** Milliseconds from the request's start to rspamd's answer. */
  readonly elapsedMs: number;
}

/** Why a message was not scanned. */
export type RspamdFailureReason = 'unreachable' | 'timeout' | 'bad-answer' | 'circuit-open' | 'too-large';

/** A message rspamd did not judge: too large to send, or rspamd could not be asked. */
export interface RspamdNotScanned {
  readonly scanned: false;
  readonly reason: RspamdFailureReason;
  /** What happened, for logs. */
  readonly detail: string;
  /** `X-Spam-Status: Unknown, not scanned (<reason>)`, for a message accepted anyway. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What `@SpamResult()` and `spamResultOf(ctx)` give: a verdict, or why there is none. */
export type RspamdResult = RspamdVerdict | RspamdNotScanned;
