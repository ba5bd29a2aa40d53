import { setTimeout as sleep } from 'node:timers/promises';
import type { LatencyRecorder } from './latency-recorder.js';
import { buildMessage } from './message-body.js';
import { PipeliningSmtpClient } from './pipelining-smtp-client.js';
import type { RunOutcome } from './run-outcome.js';
import { deliverMessages, EHLO } from './smtp-transaction.js';
import type { ShortConnectionsSpec } from './workload-spec.js';

const RAMP_MS = 200;

/**
 * `concurrency` workers each open a connection, send one message and QUIT, until `connections`
 * have been used. Every greeting waits smtp-server's fixed 100 ms, so the ceiling is
 * `concurrency / 0.1 s` connections a second whatever the server's speed.
 */
export async function runShortConnections(
  port: number,
  spec: ShortConnectionsSpec,
  outcome: RunOutcome,
  latencies: LatencyRecorder,
): Promise<void> {
  const body = buildMessage(spec.messageBytes);
  let remaining = spec.connections;
  const workers = Math.min(spec.concurrency, spec.connections);
  const worker = async (index: number): Promise<void> => {
    // Hundreds of SYNs at once would overflow the listen backlog (511), and every dropped SYN
    // costs its connection a 1 s retransmission: start the workers over the first RAMP_MS.
    await sleep((index * RAMP_MS) / workers);
    while (remaining > 0) {
      remaining--;
      let client: PipeliningSmtpClient | undefined;
      try {
        client = await PipeliningSmtpClient.open(port);
        outcome.connections++;
        await client.send(EHLO, [250]);
        await deliverMessages(client, body, 1, latencies, outcome);
      } catch (error) {
        outcome.fail(error);
      } finally {
        client?.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, index) => worker(index)));
}
