import { performance } from 'node:perf_hooks';
import type { LatencyRecorder } from './latency-recorder.js';
import type { MessageBody } from './message-body.js';
import type { PipeliningSmtpClient } from './pipelining-smtp-client.js';
import type { RunOutcome } from './run-outcome.js';

/** MAIL, RCPT and DATA in one write: the group RFC 2920 lets a client pipeline. */
const ENVELOPE = 'MAIL FROM:<load@bench.test>\r\nRCPT TO:<inbox@bench.test>\r\nDATA\r\n';
const ENVELOPE_REPLIES = [250, 250, 354] as const;
const QUIT = 'QUIT\r\n';

export const EHLO = 'EHLO load.bench.test\r\n';

/**
 * Delivers `count` messages on one connection, then QUITs. As RFC 2920 allows, the next
 * message's MAIL/RCPT/DATA (or the QUIT) travel in the same segment as the end of the current
 * message, so each message costs one round trip. A message's transaction latency runs from the
 * write that carried its MAIL FROM to the 250 that accepts it.
 */
export async function deliverMessages(
  client: PipeliningSmtpClient,
  body: MessageBody,
  count: number,
  latencies: LatencyRecorder,
  outcome: RunOutcome,
): Promise<void> {
  let mailFromWrittenAt = performance.now();
  await client.send(ENVELOPE, ENVELOPE_REPLIES);
  for (let i = 1; i <= count; i++) {
    const last = i === count;
    const writtenAt = performance.now();
    const acceptedAt = await client.sendMessage(body, last ? QUIT : ENVELOPE, last ? [250, 221] : [250, ...ENVELOPE_REPLIES]);
    latencies.record(acceptedAt - mailFromWrittenAt);
    outcome.messages++;
    mailFromWrittenAt = writtenAt;
  }
}
