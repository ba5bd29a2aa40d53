import { clientAddressKey } from '../lib/auth/client-address-key.js';
import { MemoryCounterStore } from '../lib/index.js';

describe('MemoryCounterStore', () => {
  let now = 1_000;
  const store = new MemoryCounterStore(() => now);

  it('counts within a fixed window opened by the first increment, then starts again', async () => {
    expect(await store.get('k')).toBeUndefined();
    expect(await store.increment('k', 100)).toEqual({ count: 1, resetAt: 1_100 });
    now = 1_050;
    expect(await store.increment('k', 100, 2)).toEqual({ count: 3, resetAt: 1_100 });
    expect(await store.get('k')).toEqual({ count: 3, resetAt: 1_100 });
    expect(await store.get('other')).toBeUndefined();
    now = 1_100;
    expect(await store.get('k')).toBeUndefined();
    expect(await store.increment('k', 100)).toEqual({ count: 1, resetAt: 1_200 });
    await store.reset('k');
    expect(await store.get('k')).toBeUndefined();
  });

  it('keeps at most maxKeys keys, forgetting the one counted first', async () => {
    const small = new MemoryCounterStore(() => now, { maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await small.increment(key, 1_000);
    expect(small.size).toBe(3);
    expect(await small.get('a')).toBeUndefined();
    expect(await small.get('d')).toMatchObject({ count: 1 });
  });

  it("expire() moves an open window's end and keeps its count; a missing key stays missing", async () => {
    const own = new MemoryCounterStore(() => now);
    await own.increment('e', 100, 4);
    await own.expire('e', 5_000);
    expect(await own.get('e')).toEqual({ count: 4, resetAt: now + 5_000 });
    await own.expire('none', 5_000);
    expect(await own.get('none')).toBeUndefined();
  });

  it('forgets expired windows', async () => {
    for (let i = 0; i < 50; i++) await store.increment(`ip${i}`, 10);
    expect(store.size).toBe(50);
    now += 61_000;
    await store.increment('fresh', 10);
    expect(store.size).toBe(1);
  });
});

describe('clientAddressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('%s counts as %s', (address, key) => {
    expect(clientAddressKey(address)).toBe(key);
  });
});
