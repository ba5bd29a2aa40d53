import type { FumiSession } from '../fumi-session.js';
import { REPLIES } from '../fumi.messages.js';
import { SmtpException } from '../smtp.exception.js';
import type { CounterStore } from '../stores/counter-store.interface.js';
import { MemoryCounterStore } from '../stores/memory-counter.store.js';
import { DEFAULT_AUTH_FAILURE_LIMITS, type AuthFailureLimits } from './auth-failure-limits.interface.js';
import { clientAddressKey } from './client-address-key.js';

/** Store keys are namespaced so that one store can serve other features too. */
const KEY_PREFIX = 'fumi:auth-failures:';

const reply = (r: { code: number; enhanced: string; text: string }) => new SmtpException(r.text, r.code, r.enhanced);

/**
 * Counts failed AUTH attempts per connection (in memory, with the connection) and per client
 * address (in a `CounterStore`, so that the count survives reconnects and can be shared), and
 * says when a client has had enough.
 */
export class AuthFailureLimiter {
  private readonly perConnection: number | false;
  private readonly perAddress: number | false;
  private readonly window: number;
  private readonly store: CounterStore;
  private readonly failures = new WeakMap<FumiSession, number>();

  constructor(
    limits: AuthFailureLimits | false | undefined,
    /** A store that fails must not lock every user out: the attempt goes on, and this is told. */
    private readonly onStoreError: (error: unknown) => void,
  ) {
    const resolved: AuthFailureLimits = limits === false ? { perConnection: false, perAddress: false } : (limits ?? {});
    this.perConnection = resolved.perConnection ?? DEFAULT_AUTH_FAILURE_LIMITS.perConnection;
    this.perAddress = resolved.perAddress ?? DEFAULT_AUTH_FAILURE_LIMITS.perAddress;
    this.window = (limits && limits.window) || DEFAULT_AUTH_FAILURE_LIMITS.window;
    this.store = (limits && limits.store) || new MemoryCounterStore();
  }

  /**
   * Before an AUTH exchange starts: a refusal when the client's address has used up its budget
   * (`454 4.7.0`, or `421 4.7.0` once this refusal also uses up the connection's attempts).
   */
  async admit(session: FumiSession): Promise<SmtpException | undefined> {
    if (this.perAddress === false) return undefined;
    let spent: number;
    try {
      spent = (await this.store.get(this.key(session)))?.count ?? 0;
    } catch (error) {
      this.onStoreError(error);
      return undefined;
    }
    if (spent < this.perAddress) return undefined;
    // Hammering a locked-out address's door counts against the connection too.
    return this.countOnConnection(session) ?? reply(REPLIES.authLockedOut);
  }

  /**
   * After a failed attempt: counts it, and returns the `421 4.7.0` that ends the connection
   * when it was the connection's last allowed one.
   */
  async recordFailure(session: FumiSession): Promise<SmtpException | undefined> {
    if (this.perAddress !== false) {
      try {
        await this.store.increment(this.key(session), this.window);
      } catch (error) {
        this.onStoreError(error);
      }
    }
    return this.countOnConnection(session);
  }

  private countOnConnection(session: FumiSession): SmtpException | undefined {
    const failures = (this.failures.get(session) ?? 0) + 1;
    this.failures.set(session, failures);
    return this.perConnection !== false && failures >= this.perConnection ? reply(REPLIES.authTooManyFailures) : undefined;
  }

  private key(session: FumiSession): string {
    return KEY_PREFIX + clientAddressKey(session.remoteAddress);
  }
}
