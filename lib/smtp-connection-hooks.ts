import type { SMTPServer } from 'smtp-server';

/** One smtp-server connection (its class is not exported by name). */
export type SmtpConnection = SMTPServer['connections'] extends Set<infer Connection> ? Connection : never;

/**
 * Runs `hooks` on every connection as smtp-server creates it, before its greeting: smtp-server
 * adds each new connection to its public `connections` set first thing, and offers no other
 * per-connection extension point. O(1) per connection, unlike scanning the set.
 */
export function onEachConnection(smtp: SMTPServer, ...hooks: ((connection: SmtpConnection) => void)[]): void {
  class HookedSet extends Set<SmtpConnection> {
    override add(connection: SmtpConnection): this {
      if (!this.has(connection)) for (const hook of hooks) hook(connection);
      return super.add(connection);
    }
  }
  smtp.connections = new HookedSet(smtp.connections);
}
