import { SMTPServer } from 'smtp-server';
import { benchSmtpOptions } from './bench-smtp-options.js';
import { listenOn } from './listen-on.js';
import { rawCallbacks } from './raw-callbacks.js';
import type { RunningBenchServer } from './running-bench-server.js';

/**
 * Variant (1): smtp-server with hand-written callbacks. It is configured as FumiModule
 * configures smtp-server (AUTH and STARTTLS off without a handler or a certificate, oversized
 * messages refused), so that the comparison measures only the module.
 */
export async function startRawServer(): Promise<RunningBenchServer> {
  const { host, port, ...options } = benchSmtpOptions;
  const smtp = new SMTPServer({
    ...options,
    disabledCommands: ['AUTH', 'STARTTLS'],
    rejectOversized: true,
    ...rawCallbacks,
  });
  smtp.on('error', () => undefined); // a client resetting its connection is not a server failure
  const boundPort = await listenOn(smtp, port, host);
  return {
    port: boundPort,
    connections: () => smtp.connections.size,
    close: () => new Promise((resolve) => smtp.close(() => resolve())),
  };
}
