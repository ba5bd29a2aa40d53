import type { Readable } from 'node:stream';

/**
 * The work every variant's handlers do, shared so that raw smtp-server callbacks and Nest
 * handlers are compared on equal terms: the same checks, the same reading of the message.
 */

const LOCAL_DOMAIN = '@bench.test';

/** Connections from anywhere but loopback are refused. */
export function isAllowedClient(remoteAddress: string): boolean {
  return remoteAddress === '127.0.0.1' || remoteAddress === '::1' || remoteAddress === '::ffff:127.0.0.1';
}

/** A sender with a plausible address (the null sender `<>` is allowed, as for bounces). */
export function isAcceptableSender(address: string): boolean {
  return address === '' || address.includes('@');
}

/** Only our own domain receives mail: anything else would be relaying. */
export function isLocalRecipient(address: string): boolean {
  return address.endsWith(LOCAL_DOMAIN);
}

/** Reads the whole message as it streams in, keeping only its length (no buffering). */
export function countMessageBytes(stream: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    stream.once('end', () => resolve(bytes));
    stream.once('error', reject);
  });
}

/** What the handlers of this process have seen complete; the server child reports it. */
export const deliveryTally = { messages: 0, bytes: 0, closedSessions: 0 };
