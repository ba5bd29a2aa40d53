import { createHash } from 'node:crypto';
import type { CounterStore } from '../../stores/counter-store.interface.js';
import { clientNetwork } from '../dns/reverse-name.js';
import type { ResolvedMailAuthOptions } from '../options/resolved-mail-auth-options.js';

type GreylistOptions = NonNullable<ResolvedMailAuthOptions['greylist']>;

/** Sets a key's window to end `windowMs` from now: the store's own `expire()`, else reset and count again. */
async function extend(store: CounterStore, key: string, windowMs: number): Promise<void> {
  if (store.expire) return store.expire(key, windowMs);
  await store.reset(key);
  await store.increment(key, windowMs);
}

/**
 * Greylisting (RFC 6647): the first attempt of a (client network, sender, recipient) triplet is
 * deferred; a retry after `delay` and within `retryWindow` passes, and the triplet then passes
 * at once for `expiry` (renewed at each pass). Returns the seconds still to wait, or 0 to pass.
 */
export async function greylistWait(options: GreylistOptions, address: string, sender: string, recipient: string): Promise<number> {
  const triplet = `${clientNetwork(address)}|${sender.toLowerCase()}|${recipient.toLowerCase()}`;
  const id = createHash('sha256').update(triplet).digest('hex').slice(0, 32);
  const passKey = `fumi:greylist-pass:${id}`;
  const pendingKey = `fumi:greylist:${id}`;
  const { store } = options;
  if (await store.get(passKey)) {
    await extend(store, passKey, options.expiry);
    return 0;
  }
  const pending = await store.get(pendingKey);
  if (!pending) {
    await store.increment(pendingKey, options.retryWindow);
    return Math.ceil(options.delay / 1000);
  }
  const waited = Date.now() - (pending.resetAt - options.retryWindow);
  if (waited < options.delay) return Math.ceil((options.delay - waited) / 1000);
  await store.increment(passKey, options.expiry);
  await store.reset(pendingKey);
  return 0;
}
