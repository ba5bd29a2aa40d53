import { tapOf } from './connection-tap.js';
import type { SmtpConnection } from './smtp-connection.js';

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
  tapOf(connection).tapReplies().ownEnhancedCodes = true;
}
