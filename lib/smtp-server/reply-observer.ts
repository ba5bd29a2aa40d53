import { tapOf, type ReplyObserver } from './connection-tap.js';
import type { SmtpConnection } from './smtp-connection.js';

export type { ReplyObserver };

/**
 * Tells `observe` the code of every reply the connection sends, whoever sends it (smtp-server's
 * own refusals included), through the connection's `send()`.
 *
 * Upstream hook that would replace it: a server event for each reply.
 */
export function observeReplies(connection: SmtpConnection, observe: ReplyObserver): void {
  tapOf(connection).tapReplies().observers.push(observe);
}
