import { onEachParser, type SmtpParser } from './parsers.js';
import type { SmtpConnection } from './smtp-connection.js';

/** What the client's input looks like once the server has taken all it sent so far. */
export interface ClientInputWatcher {
  /** A command line has begun and its end has not arrived: the server waits for the client. */
  partialLine(): void;
  /** No command line is half sent (the last one was completed, or the message began). */
  noPartialLine(): void;
  /** Message content arrived, `clientMs` after the server had asked for it (the client's time). */
  messageArrived(clientMs: number): void;
  /** The server has taken that content in (the message has `total` bytes so far) and asks for more. */
  messageTaken(total: number): void;
  /** The message's final dot arrived (told before the next message's first `messageTaken`, in one chunk or not). */
  messageEnd(): void;
}

/**
 * Tells `watcher`, after each chunk the client sent is taken in, whether a command line is left
 * half sent, or how far a message has got. smtp-server's parser takes input through `_write()`
 * and asks for the next chunk by calling its callback once it has dealt with this one; the
 * parser's `_remainder` holds a line without its end, `_dataMode`, `_dataStream` and `dataBytes` the message.
 * The parser STARTTLS creates is watched too (`onEachParser`).
 *
 * Upstream hook that would replace it: command-line and message-rate timeouts of its own.
 */
export function watchClientInput(connection: SmtpConnection, watcher: ClientInputWatcher): void {
  onEachParser(connection, (parser: SmtpParser): void => {
    const write = parser._write;
    /** The parser hands the rest of a chunk back to `_write()` when DATA starts: only the outer call reports. */
    let depth = 0;
    /** The message being received, if any: a pipelined chunk can end one and start the next (`_dataStream` is new each time). */
    let message: SmtpParser['_dataStream'] = null;
    /** When the server last asked for more of the message. */
    let askedAt = 0;
    parser._write = function (this: SmtpParser, chunk, encoding, next) {
      const outer = depth++ === 0;
      if (outer && message && this._dataMode) watcher.messageArrived(performance.now() - askedAt);
      write.call(this, chunk, encoding, (error?: Error | null) => {
        depth--;
        if (outer && !this.isClosed) {
          if (this._dataMode) {
            if (message && this._dataStream !== message) watcher.messageEnd();
            message = this._dataStream;
            askedAt = performance.now();
            watcher.messageTaken(this.dataBytes);
          } else {
            if (message) {
              message = null;
              watcher.messageEnd();
            }
            if (this._remainder.length > 0) watcher.partialLine();
            else watcher.noPartialLine();
          }
        }
        next(error);
      });
    };
  });
}
