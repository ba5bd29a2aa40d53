import { onEachParser, type SmtpParser } from './parsers.js';
import type { SmtpConnection } from './smtp-connection.js';

const CR = 13;

/**
 * Calls `refuse` instead of running a command line that ended in a bare LF.
 *
 * smtp-server splits commands on `\r?\n` and hands each line to the connection without its
 * ending, so the ending has to be seen before that. Its parser takes input through `_write()`
 * one chunk at a time, in order, and while it is in command mode it dispatches the complete
 * lines of `_remainder + chunk` one by one through `oncommand` (switching to DATA mode hands
 * the rest of the chunk back to `_write()` with `_dataMode` set; message content is judged
 * elsewhere). So, per parser, `_write()` is wrapped to note, for each complete line of a
 * command-mode chunk, whether its LF had a CR before it, and `oncommand` is wrapped to take
 * those notes in the same order. Pipelined input, chunks split anywhere and lines split across
 * chunks are all seen exactly as the parser sees them.
 *
 * Relies on smtp-server 3.21's internals (typed in its declarations): `connection._parser`,
 * `connection._createParser()` (wrapped so that the parser STARTTLS creates is watched too),
 * and the parser's `_write()`, `_remainder`, `_dataMode`, `isClosed` and `oncommand`. The
 * reliability suite fails if any of them stops working.
 *
 * Upstream hook that would replace it: an option refusing command lines that end in a bare LF.
 */
export function refuseBareLineFeedCommands(connection: SmtpConnection, refuse: () => void): void {
  onEachParser(connection, (parser: SmtpParser): void => {
    /** For each complete line the parser is about to dispatch, in order: it ended in a bare LF. */
    const bareEndings: boolean[] = [];
    const write = parser._write;
    parser._write = function (this: SmtpParser, chunk, encoding, next) {
      // Lines noted for an earlier chunk were all dispatched, or went to DATA mode, by now.
      bareEndings.length = 0;
      if (!this._dataMode && !this.isClosed && chunk.length) {
        const text = this._remainder + chunk.toString('binary');
        for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', lf + 1)) {
          bareEndings.push(lf === 0 || text.charCodeAt(lf - 1) !== CR);
        }
      }
      write.call(this, chunk, encoding, next);
    };
    const dispatch = parser.oncommand;
    parser.oncommand = function (this: SmtpParser, command, callback) {
      if (!bareEndings.shift()) return dispatch.call(this, command, callback);
      refuse();
      // The parser is closed by now; resuming it lets it drop what is left without running it.
      callback?.();
    };
  });
}
