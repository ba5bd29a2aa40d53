import { tapOf, type CommandInterceptor } from './connection-tap.js';
import type { SmtpConnection } from './smtp-connection.js';

export type { CommandInterceptor };

/**
 * Puts `intercept` in front of every command line of the connection, after STARTTLS too.
 * smtp-server's parser hands each line to `connection._onCommand(line, callback)`, looked up on
 * the connection at each call, so a member set on the instance sees them all; a SASL prompt's
 * answer (due when `_nextHandler` is set) is no command and is not shown. Interceptors added
 * later run first.
 *
 * Upstream hook that would replace it: an `onCommand(line, session, callback)` server option.
 */
export function interceptCommands(connection: SmtpConnection, intercept: CommandInterceptor): void {
  tapOf(connection).tapCommands().interceptors.push(intercept);
}
