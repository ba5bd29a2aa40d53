import type { SmtpConnection } from './smtp-connection.js';

/** A reply text that starts with its own RFC 3463 code, e.g. `5.7.1 Relay access denied`. */
const OWN_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * smtp-server picks the enhanced status code of an application's reply from the reply code alone
 * (550 → 5.1.1 "mailbox unavailable"), which is wrong for most refusals (a policy refusal is
 * 5.7.1, a size refusal 5.3.4). Our replies carry their own code at the start of the text; for
 * those, the connection asks smtp-server to add none (its documented `context = false`).
 * Everything else keeps smtp-server's codes.
 *
 * Upstream hook that would replace it: smtp-server keeping an enhanced code an application's
 * reply text already starts with.
 */
export function keepOwnEnhancedCodes(connection: SmtpConnection): void {
  const send = connection.send;
  connection.send = function (this: SmtpConnection, code, data, context) {
    const own = typeof data === 'string' && OWN_ENHANCED_CODE.test(data);
    send.call(this, code, data, own ? false : context);
  };
}
