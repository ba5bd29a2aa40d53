import { tapOf } from './connection-tap.js';
import type { SmtpConnection } from './smtp-connection.js';

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
  tapOf(connection).tapReplies().batching = true;
}
