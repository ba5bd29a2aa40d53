import type { FumiPlugin } from './fumi-plugin.interface.js';

/**
 * fumi's `maxSize(bytes)`: messages over `bytes` are refused with `552 5.3.4`. It lowers the
 * server's `size` (the smaller one wins), so the limit is advertised in EHLO, a too large
 * `MAIL FROM SIZE=` is refused up front, and an overflow is refused after the final dot: one
 * limit, enforced in one place.
 */
export function maxSize(bytes: number): FumiPlugin {
  return (app) => {
    app.limitSize(bytes);
  };
}
