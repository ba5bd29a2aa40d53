import type { Logger } from '@nestjs/common';
import type { SMTPServer } from 'smtp-server';
import { MESSAGES } from '../fumi.messages.js';
import { isInMessage } from '../smtp-server/index.js';
import type { OpenSockets } from './open-sockets.js';
import { isBusy } from './session-carrier.js';

/** How often shutdown looks for sessions that have become idle. */
const SWEEP_INTERVAL_MS = 25;

/**
 * Stops `smtp` accepting connections, closes idle sessions with 421 at once, lets sessions with
 * a command in progress finish it (smtp-server cuts them after its `closeTimeout`, `grace`),
 * then lets go of sockets whose clients have yet to close their side.
 */
export function closeGracefully(
  smtp: SMTPServer,
  sockets: OpenSockets | undefined,
  grace: number,
  server: string,
  logger: Logger,
): Promise<void> {
  if (smtp.connections.size) logger.log(MESSAGES.closing(server, smtp.connections.size, grace));
  return new Promise<void>((resolve) => {
    // Sessions between commands have nothing to lose: close them now rather than wait out the
    // grace period; those with a command or a message in progress once it has been answered.
    const told = new WeakSet<object>();
    const closeIdle = () => {
      for (const connection of smtp.connections) {
        if (told.has(connection) || isBusy(connection.session) || isInMessage(connection)) continue;
        told.add(connection);
        connection.send(421, 'Server shutting down');
      }
      // Every session has been answered: what is left are clients yet to close their side.
      if (smtp.connections.size === 0) sockets?.release();
    };
    const sweeper = setInterval(closeIdle, SWEEP_INTERVAL_MS);
    smtp.close(() => {
      clearInterval(sweeper);
      resolve();
    });
    closeIdle();
  });
}
