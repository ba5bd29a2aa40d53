/** What the breaker says about asking rspamd now. */
export type CircuitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryInMs: number };

/**
 * Stops asking a service that keeps failing: after `failures` failures in a row it refuses every
 * call for `resetAfterMs`, then lets one call through (half-open) whose outcome closes or reopens
 * it. Calls refused fail at once instead of each waiting for the whole timeout.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  /** When the circuit may let a trial call through; 0 while closed. */
  private openUntil = 0;
  private trialRunning = false;

  constructor(
    readonly failures: number,
    readonly resetAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a call may go now; a `true` past the open period is the trial call, which must report back. */
  request(): CircuitDecision {
    if (this.openUntil === 0) return { allowed: true };
    const wait = this.openUntil - this.now();
    if (wait > 0) return { allowed: false, retryInMs: wait };
    if (this.trialRunning) return { allowed: false, retryInMs: 0 };
    this.trialRunning = true;
    return { allowed: true };
  }

  /** A call succeeded: the circuit closes. Returns `true` when it was open. */
  succeeded(): boolean {
    const wasOpen = this.openUntil !== 0;
    this.consecutiveFailures = 0;
    this.openUntil = 0;
    this.trialRunning = false;
    return wasOpen;
  }

  /** A call ended with nothing learnt about the service: a trial it was may be made again. */
  abandoned(): void {
    this.trialRunning = false;
  }

  /** A call failed. Returns `true` when this failure opened the circuit (or reopened it after a trial). */
  failed(): boolean {
    this.consecutiveFailures++;
    const trial = this.trialRunning;
    this.trialRunning = false;
    if (!trial && (this.openUntil !== 0 || this.consecutiveFailures < this.failures)) return false;
    this.openUntil = this.now() + this.resetAfterMs;
    return true;
  }
}
