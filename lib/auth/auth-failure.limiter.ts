import type { FumiSession } from '../server/fumi-session.js';
import { REPLIES } from '../fumi.messages.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import type { CounterStore } from '../stores/counter-store.interface.js';
import type { ResolvedAuthFailureLimits } from '../server/resolved-server-options.js';
import { clientAddressKey } from './client-address-key.js';

/** Store keys are namespaced so that one store can serve other features too. */
const KEY_PREFIX = 'fumi:auth-failures:';


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
  /** Sessions whose AUTH under way holds a unit of their address's budget, taken by `admit()`. */
  private readonly reserved = new WeakSet<FumiSession>();

  constructor(
    limits: ResolvedAuthFailureLimits,
    /** A store that fails must not lock every user out: the attempt goes on, and this is told. */
    private readonly onStoreError: (error: unknown) => void,
  ) {
    this.perConnection = limits.perConnection;
    this.perAddress = limits.perAddress;
    this.window = limits.window;
    this.store = limits.store;
  }

  /**
   * Before an AUTH exchange starts: a refusal when the client's address has used up its budget
   * (`454 4.7.0`, or `421 4.7.0` once this refusal also uses up the connection's attempts).
   *
   * The attempt takes its unit of the budget here, before the exchange, and gives it back
   * (`release()`) unless it ends in a failure that counts: were the budget only checked here and
   * counted after the handlers refused, attempts made in parallel (many connections, a shared
   * store with network latency) would all pass the check before any was counted.
   */
  async admit(session: FumiSession): Promise<SmtpException | undefined> {
    if (this.perAddress === false) return undefined;
    // A new AUTH means the previous exchange ended without reaching the handlers (aborted, or
    // malformed): no password was checked, so its unit goes back.
    await this.release(session);
    const key = this.key(session);
    let admitted: boolean;
    try {
      // A locked-out address is turned away on a read, without writing to the store.
      admitted = ((await this.store.get(key))?.count ?? 0) < this.perAddress;
      if (admitted) {
        // Parallel attempts can all have read a count under the limit: the increment is what
        // decides, one at a time, and those it takes over the limit give their unit back.
        admitted = (await this.store.increment(key, this.window)).count <= this.perAddress;
        if (admitted) this.reserved.add(session);
        else await this.store.increment(key, this.window, -1);
      }
    } catch (error) {
      this.onStoreError(error);
      return undefined;
    }
    if (admitted) return undefined;
    // Hammering a locked-out address's door counts against the connection too.
    return this.countOnConnection(session) ?? SmtpException.of(REPLIES.authLockedOut);
  }

  /**
   * After a failed attempt: counts it (its unit taken by `admit()` stays spent), and returns the
   * `421 4.7.0` that ends the connection when it was the connection's last allowed one.
   */
  async recordFailure(session: FumiSession): Promise<SmtpException | undefined> {
    // No unit was taken before the exchange when the store failed then: count the failure now.
    if (this.perAddress !== false && !this.reserved.delete(session)) {
      try {
        await this.store.increment(this.key(session), this.window);
      } catch (error) {
        this.onStoreError(error);
      }
    }
    return this.countOnConnection(session);
  }

  /**
   * Gives back the unit `admit()` took for `session`'s AUTH: it succeeded, was refused with a
   * 4xx (not the client's fault), never reached the handlers, or the client left first.
   */
  async release(session: FumiSession): Promise<void> {
    if (!this.reserved.delete(session)) return;
    const key = this.key(session);
    try {
      // Not into a window that has ended meanwhile: that would open a new one below zero.
      if (((await this.store.get(key))?.count ?? 0) > 0) await this.store.increment(key, this.window, -1);
    } catch (error) {
      this.onStoreError(error);
    }
  }

  private countOnConnection(session: FumiSession): SmtpException | undefined {
    const failures = (this.failures.get(session) ?? 0) + 1;
    this.failures.set(session, failures);
    return this.perConnection !== false && failures >= this.perConnection ? SmtpException.of(REPLIES.authTooManyFailures) : undefined;
  }

  private key(session: FumiSession): string {
    return KEY_PREFIX + clientAddressKey(session.remoteAddress);
  }
}
