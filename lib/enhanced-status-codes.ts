import type { SMTPServer } from 'smtp-server';

type Connection = SMTPServer['connections'] extends Set<infer C> ? C : never;

/** A reply text that starts with its own RFC 3463 code, e.g. `5.7.1 Relay access denied`. */
const OWN_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * smtp-server picks the enhanced status code of an application's reply from the reply code alone
 * (550 → 5.1.1 "mailbox unavailable"), which is wrong for most refusals (a policy refusal is
 * 5.7.1, a size refusal 5.3.4). Our replies carry their own code at the start of the text; for
 * those, each connection asks smtp-server to add none (its documented `context = false`).
 * Everything else keeps smtp-server's codes.
 */
export function keepOwnEnhancedCodes(smtp: SMTPServer): void {
  class PatchingSet extends Set<Connection> {
    override add(connection: Connection): this {
      const send = connection.send;
      connection.send = function (this: Connection, code, data, context) {
        const own = typeof data === 'string' && OWN_ENHANCED_CODE.test(data);
        send.call(this, code, data, own ? false : context);
      };
      return super.add(connection);
    }
  }
  smtp.connections = new PatchingSet(smtp.connections);
}
