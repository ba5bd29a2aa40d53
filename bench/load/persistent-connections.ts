import type { LatencyRecorder } from './latency-recorder.js';
import { buildMessage } from './message-body.js';
import { PipeliningSmtpClient } from './pipelining-smtp-client.js';
import type { RunOutcome } from './run-outcome.js';
import { deliverMessages, EHLO } from './smtp-transaction.js';
import type { PersistentConnectionsSpec } from './workload-spec.js';

/**
 * `connections` connections at once, each sending `messagesPerConnection` messages in a row
 * (each message's end pipelined with the next one's envelope, QUIT after the last). Also drives the 1 MB and the single 100 MB message workloads.
 */
export async function runPersistentConnections(
  port: number,
  spec: PersistentConnectionsSpec,
  outcome: RunOutcome,
  latencies: LatencyRecorder,
): Promise<void> {
  const body = buildMessage(spec.messageBytes);
  const worker = async (): Promise<void> => {
    let client: PipeliningSmtpClient | undefined;
    try {
      client = await PipeliningSmtpClient.open(port);
      outcome.connections++;
      await client.send(EHLO, [250]);
      await deliverMessages(client, body, spec.messagesPerConnection, latencies, outcome);
    } catch (error) {
      outcome.fail(error);
    } finally {
      client?.destroy();
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
}
