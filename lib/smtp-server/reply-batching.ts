import type { Duplex } from 'node:stream';
import type { SmtpConnection } from './smtp-connection.js';

/** smtp-server's connection, with the socket its `send()` writes to (not in its typings). */
type ConnectionSocket = SmtpConnection & { _socket?: Duplex };

/** The greeting, and STARTTLS's go-ahead, after which smtp-server hands the socket to TLS. */
const WRITE_AT_ONCE = 220;

/**
 * Sends the replies a connection gives in one turn of the event loop as one unit, as RFC 2920
 * (section 3.1) asks of a server that offers PIPELINING. smtp-server writes every reply on its
 * own, a system call each. The socket is corked at a turn's first reply and uncorked at
 * the turn's end (`setImmediate`), so nothing is held once the client's input is processed:
 * no client waits on a reply the server has. A 220 flushes what is held and goes out at once:
 * smtp-server wraps the socket in TLS right after STARTTLS's, and the go-ahead written before
 * that is on the wire before the handshake by construction, whatever the TLS socket does with
 * the stream beneath it. `end()` on the socket (QUIT, a 421) flushes it too. DATA's 354 is
 * held like the rest, so that every connection's replies go out at the end of the turn.
 *
 * Upstream hook that would replace it: smtp-server writing the replies to one input chunk at once.
 */
export function batchReplies(connection: SmtpConnection): void {
  const send = connection.send;
  let corked: Duplex | undefined;
  const flush = (): void => {
    const socket = corked;
    corked = undefined;
    if (socket && socket.writableCorked > 0) socket.uncork();
  };
  connection.send = function (this: ConnectionSocket, code, data, context) {
    const socket = this._socket;
    if (code === WRITE_AT_ONCE || !socket) {
      flush();
      return send.call(this, code, data, context);
    }
    if (corked !== socket) {
      flush();
      socket.cork();
      corked = socket;
      setImmediate(flush);
    }
    send.call(this, code, data, context);
  };
}
