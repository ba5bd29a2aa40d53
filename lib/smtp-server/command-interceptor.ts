import type { SmtpConnection } from './smtp-connection.js';

/**
 * Decides on one command line before smtp-server runs it: `run()` hands it on, `drop()` lets
 * the parser go on without running it (after the interceptor has answered or closed).
 */
export type CommandInterceptor = (line: Buffer, run: () => void, drop: () => void) => void;

/**
 * Puts `intercept` in front of every command line of the connection, after STARTTLS too, as the
 * raw bytes the client sent (without the line ending). smtp-server's parser hands each line to
 * `connection._onCommand(line, callback)`, looked up on the connection at each call, so a wrapper
 * set on the instance sees them all. Interceptors run in the order they were added.
 *
 * Upstream hook that would replace it: an `onCommand(line, session, callback)` server option.
 */
export function interceptCommands(connection: SmtpConnection, intercept: CommandInterceptor): void {
  const onCommand = connection._onCommand;
  connection._onCommand = function (this: SmtpConnection, command, callback) {
    intercept(
      command,
      () => onCommand.call(this, command, callback),
      () => callback?.(),
    );
  };
}
