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
    const watched = (parser as WatchedParser)[kInput];
    if (watched) return watched.alsoTell(watcher);
    (parser as WatchedParser)[kInput] = new ParserInput(parser._write, watcher, parser);
    parser._write = watchedWrite;
  });
}

/** Both watchers, told in the order they were added. */
function bothOf(first: ClientInputWatcher, second: ClientInputWatcher): ClientInputWatcher {
  return {
    partialLine() {
      first.partialLine();
      second.partialLine();
    },
    noPartialLine() {
      first.noPartialLine();
      second.noPartialLine();
    },
    messageArrived(ms) {
      first.messageArrived(ms);
      second.messageArrived(ms);
    },
    messageTaken(total) {
      first.messageTaken(total);
      second.messageTaken(total);
    },
    messageEnd() {
      first.messageEnd();
      second.messageEnd();
    },
  };
}

const kInput = Symbol('fumi.input');
type WatchedParser = SmtpParser & { [kInput]?: ParserInput };
type Write = SmtpParser['_write'];
type WriteCallback = Parameters<Write>[2];

/** One parser's watch: its own `_write()` and where the client's input has got. */
class ParserInput {
  /** The parser hands the rest of a chunk back to `_write()` when DATA starts: only the outer call reports. */
  writing = false;
  /** The outer call's callback, called once the parser has dealt with its chunk. */
  private next: WriteCallback | undefined = undefined;
  /** The message being received, if any: a pipelined chunk can end one and start the next (`_dataStream` is new each time). */
  private message: SmtpParser['_dataStream'] = null;
  /** When the server last asked for more of the message. */
  private askedAt = 0;
  /** The parser is done with the outer call's chunk (one function per parser, not one per chunk). */
  readonly written: WriteCallback;

  constructor(
    readonly write: Write,
    private watcher: ClientInputWatcher,
    parser: SmtpParser,
  ) {
    this.written = (error?: Error | null) => {
      const next = this.next!;
      this.next = undefined;
      this.writing = false;
      if (!parser.isClosed) this.taken(parser);
      next(error);
    };
  }

  /** A second watch on the same parser. */
  alsoTell(watcher: ClientInputWatcher): void {
    this.watcher = bothOf(this.watcher, watcher);
  }

  /** An outer call begins. */
  begin(parser: SmtpParser, next: WriteCallback): void {
    this.writing = true;
    this.next = next;
    if (this.message && parser._dataMode) this.watcher.messageArrived(performance.now() - this.askedAt);
  }

  /** The parser has dealt with a chunk and asks for the next one. */
  private taken(parser: SmtpParser): void {
    const watcher = this.watcher;
    if (parser._dataMode) {
      if (this.message && parser._dataStream !== this.message) watcher.messageEnd();
      this.message = parser._dataStream;
      this.askedAt = performance.now();
      watcher.messageTaken(parser.dataBytes);
      return;
    }
    if (this.message) {
      this.message = null;
      watcher.messageEnd();
    }
    if (parser._remainder.length > 0) watcher.partialLine();
    else watcher.noPartialLine();
  }
}

function watchedWrite(this: WatchedParser, chunk: Buffer, encoding: Parameters<Write>[1], next: WriteCallback): void {
  const input = this[kInput]!;
  if (input.writing) return input.write.call(this, chunk, encoding, next);
  input.begin(this, next);
  input.write.call(this, chunk, encoding, input.written);
}
