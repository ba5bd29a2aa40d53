/**
 * `nestjs-fumi/redis`: state shared by every instance through Redis (needs the `ioredis` peer
 * dependency; your client, your connection).
 */
export { RedisCounterStore, type RedisCounterStoreOptions } from './redis-counter.store.js';
