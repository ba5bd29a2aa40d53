import { performance } from 'node:perf_hooks';
import { PipeliningSmtpClient } from './pipelining-smtp-client.js';
import type { RunOutcome } from './run-outcome.js';
import { EHLO } from './smtp-transaction.js';
import type { IdleConnectionsSpec } from './workload-spec.js';

/**
 * Opens `connections` connections (at most `openConcurrency` attempts in flight, to stay inside
 * the listen backlog), has each greet with EHLO, then holds them all open until `release`
 * settles, so the server's memory can be read with every session idle. Returns the time the
 * opening took.
 */
export async function runIdleConnections(
  port: number,
  spec: IdleConnectionsSpec,
  outcome: RunOutcome,
  hold: (connections: number) => Promise<void>,
): Promise<number> {
  const open: PipeliningSmtpClient[] = [];
  const started = performance.now();
  let remaining = spec.connections;
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
  await Promise.all(Array.from({ length: Math.min(spec.openConcurrency, spec.connections) }, opener));
  const openMs = performance.now() - started;
  try {
    await hold(open.length);
  } finally {
    for (const client of open) client.destroy();
  }
  return openMs;
}
