import type { SMTPServer } from 'smtp-server';
import type { SmtpConnection } from './smtp-connection.js';

/**
 * What runs on each new connection. It may return a function to run once when the connection
 * is gone (to clear a timer, say): per-connection state must not outlive its connection.
 */
export type ConnectionHook = (connection: SmtpConnection) => void | (() => void);

/** What a connection's hooks left to run once it is gone, kept on the connection itself (no WeakMap entry per connection). */
const kCleanups = Symbol('fumi.cleanups');
type HookedConnection = SmtpConnection & { [kCleanups]?: (() => void)[] | undefined };

/**
 * Runs `hooks` on every connection as smtp-server creates it, before its greeting: smtp-server
 * adds each new connection to its public `connections` set first thing, and offers no other
 * per-connection extension point. O(1) per connection, unlike scanning the set. What the hooks
 * return runs when smtp-server removes the connection from the set (its `close()` and its
 * socket's close both do), once.
 *
 * Upstream hook that would replace it: a server event carrying the connection before its greeting.
 */
export function onEachConnection(smtp: SMTPServer, ...hooks: ConnectionHook[]): void {
  class HookedSet extends Set<SmtpConnection> {
    override add(connection: SmtpConnection): this {
      if (!this.has(connection)) {
        let cleanups: (() => void)[] | undefined;
        for (const hook of hooks) {
          const cleanup = hook(connection);
          if (cleanup) (cleanups ??= []).push(cleanup);
        }
        if (cleanups) (connection as HookedConnection)[kCleanups] = cleanups;
      }
      return super.add(connection);
    }

    override delete(connection: SmtpConnection): boolean {
      const removed = super.delete(connection);
      const cleanups = (connection as HookedConnection)[kCleanups];
      if (removed && cleanups) {
        (connection as HookedConnection)[kCleanups] = undefined;
        for (const cleanup of cleanups) cleanup();
      }
      return removed;
    }
  }
  smtp.connections = new HookedSet(smtp.connections);
}
