import type { Server, Socket } from 'node:net';

/**
 * The TCP sockets a server holds open, so that shutdown can let go of the ones whose session is
 * over but whose client has not closed its side: `net.Server.close()` waits for those, and
 * nothing more can be said on them.
 */
export class OpenSockets {
  private readonly sockets = new Set<Socket>();

  constructor(server: Server) {
    const sockets = this.sockets;
    // One listener for every socket (`this` is the socket): nothing allocated per connection.
    function forget(this: Socket): void {
      sockets.delete(this);
    }
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', forget);
    });
  }

  /** Ends every socket once what was written to it is flushed, without waiting for the client. */
  release(): void {
    for (const socket of this.sockets) {
      this.sockets.delete(socket);
      socket.destroySoon();
    }
  }
}
