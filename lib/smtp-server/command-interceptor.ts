import type { SmtpConnection } from './smtp-connection.js';

/** A command line as the client sent it, before smtp-server runs it. */
export interface InterceptedCommand {
  /** The raw bytes, without the line ending. */
  readonly line: Buffer;
  /** The line answers a server prompt (a SASL continuation), rather than being a command. */
  readonly continuation: boolean;
}

/**
 * Decides on one command line before smtp-server runs it: `run()` hands it on, `drop()` lets
 * the parser go on without running it (after the interceptor has answered or closed).
 */
export type CommandInterceptor = (command: InterceptedCommand, run: () => void, drop: () => void) => void;

/**
 * Puts `intercept` in front of every command line of the connection, after STARTTLS too.
 * smtp-server's parser hands each line to `connection._onCommand(line, callback)`, looked up on
 * the connection at each call, so a wrapper set on the instance sees them all; a prompt's answer
 * is due when `_nextHandler` is set. Interceptors added later run first.
 *
 * Upstream hook that would replace it: an `onCommand(line, session, callback)` server option.
 */
export function interceptCommands(connection: SmtpConnection, intercept: CommandInterceptor): void {
  const onCommand = connection._onCommand;
  connection._onCommand = function (this: SmtpConnection, line, callback) {
    intercept(
      { line, continuation: !!this._nextHandler },
      () => onCommand.call(this, line, callback),
      () => callback?.(),
    );
  };
}

/** The command's verb, upper-cased (`''` for an empty line). */
export function commandVerb(line: Buffer): string {
  const space = line.indexOf(0x20);
  return line.toString('latin1', 0, space === -1 ? Math.min(line.length, 16) : Math.min(space, 16)).toUpperCase();
}
