import { performance } from 'node:perf_hooks';
import { PipeliningSmtpClient } from './pipelining-smtp-client.js';
import type { RunOutcome } from './run-outcome.js';
import { EHLO } from './smtp-transaction.js';
import type { IdleConnectionsSpec } from './workload-spec.js';

/**
 * Opens `connections` connections in `checkpoints` equal steps (at most `openConcurrency`
 * attempts in flight, to stay inside the listen backlog), each greeting with EHLO. After each
 * step every connection is held open and idle until `hold` settles, so that the server's memory
 * can be read at several connection counts: the slope through those readings is what a session
 * costs, free of one-off steps such as the heap's young generation growing. Returns the time
 * the opening took.
 */
export async function runIdleConnections(
  port: number,
  spec: IdleConnectionsSpec,
  outcome: RunOutcome,
  hold: (connections: number) => Promise<void>,
): Promise<number> {
  const open: PipeliningSmtpClient[] = [];
  let openMs = 0;
  const openMore = async (count: number): Promise<void> => {
    const started = performance.now();
    let remaining = count;
    const opener = async (): Promise<void> => {
      while (remaining > 0) {
        remaining--;
        try {
          const client = await PipeliningSmtpClient.open(port);
          open.push(client);
          outcome.connections++;
          await client.send(EHLO, [250]);
        } catch (error) {
          outcome.fail(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(spec.openConcurrency, count) }, opener));
    openMs += performance.now() - started;
  };
  try {
    for (let step = 1; step <= spec.checkpoints; step++) {
      await openMore(Math.round((spec.connections * step) / spec.checkpoints) - open.length);
      await hold(open.length);
    }
  } finally {
    for (const client of open) client.destroy();
  }
  return openMs;
}
