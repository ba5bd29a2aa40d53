import type { Server, Socket } from 'node:net';

/**
 * The TCP sockets a server holds open, so that shutdown can let go of the ones whose session is
 * over but whose client has not closed its side: `net.Server.close()` waits for those, and
 * nothing more can be said on them.
 */
export class OpenSockets {
  private readonly sockets = new Set<Socket>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
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
