import type { Cluster, Redis } from 'ioredis';
import type { CounterStore, CounterWindow } from '../stores/counter-store.interface.js';
import { REDIS_MESSAGES } from './redis.messages.js';

/** Options of `RedisCounterStore`. */
export interface RedisCounterStoreOptions {
  /**
   * Put in front of every key, e.g. to give each environment sharing one Redis its own counts.
   * Default `''` (keys are already namespaced: `fumi:auth-failures:203.0.113.7`).
   */
  keyPrefix?: string;
}

/**
 * A `CounterStore` in Redis, shared by every instance that connects to it: N instances behind a
 * load balancer then enforce one budget per client address (AUTH failure limits, and later
 * rate limits), whichever instance a client reaches.
 *
 * Each operation is one `MULTI` transaction, so concurrent increments from any number of
 * instances never lose a count, and a window's expiry is set exactly once, by the increment
 * that opens it: `INCRBY` + `PEXPIRE … NX` + `PTTL`. `PEXPIRE … NX` needs Redis 7.0 or later
 * (or Valkey). Expired windows vanish with their keys, so Redis holds only open windows.
 *
 * The client is yours: the store neither connects nor quits it. Use a client that fails fast
 * when Redis is unreachable (e.g. `maxRetriesPerRequest: 1`): a failing store never locks users
 * out (the attempt goes ahead and a warning is logged), but a hanging one delays AUTH.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { RedisCounterStore } from 'nestjs-fumi/redis';
 *
 * const store = new RedisCounterStore(new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 }));
 * FumiModule.forRoot({ authFailureLimits: { perAddress: 10, store } });
 */
export class RedisCounterStore implements CounterStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisCounterStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? '';
  }

  async increment(key: string, windowMs: number, amount = 1): Promise<CounterWindow> {
    const redisKey = this.prefix + key;
    const [count, , ttl] = await this.transaction(
      key,
      this.redis.multi().incrby(redisKey, amount).pexpire(redisKey, windowMs, 'NX').pttl(redisKey),
    );
    // A missing expiry (-1) cannot follow PEXPIRE NX; should one appear, the window is the one asked for.
    return { count: Number(count), resetAt: Date.now() + (Number(ttl) > 0 ? Number(ttl) : windowMs) };
  }

  async get(key: string): Promise<CounterWindow | undefined> {
    const redisKey = this.prefix + key;
    const [count, ttl] = await this.transaction(key, this.redis.multi().get(redisKey).pttl(redisKey));
    // PTTL 0 is a key in its last millisecond: still the window an increment would add to
    if (count === null || Number(ttl) < 0) return undefined;
    return { count: Number(count), resetAt: Date.now() + Number(ttl) };
  }

  async expire(key: string, windowMs: number): Promise<void> {
    // PEXPIRE leaves a missing key missing: no window is opened
    await this.redis.pexpire(this.prefix + key, windowMs);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  /** Runs a `MULTI` and returns each command's result, failing on the first command error. */
  private async transaction(key: string, multi: ReturnType<Redis['multi']>): Promise<unknown[]> {
    const replies = await multi.exec();
    if (!replies) throw new Error(REDIS_MESSAGES.transactionAborted(key));
    return replies.map(([error, result]) => {
      if (error) throw error;
      return result;
    });
  }
}
