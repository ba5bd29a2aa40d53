import type { SMTPServerOptions } from 'smtp-server';
import { countMessageBytes, deliveryTally, isAcceptableSender, isAllowedClient, isLocalRecipient } from './mail-policy.js';

function refusal(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The hand-written smtp-server callbacks of variant (1): what the Nest handlers of the other
 * variants do, answered synchronously where the work is synchronous, as one would write them.
 */
export const rawCallbacks = {
  onConnect(session, callback) {
    callback(isAllowedClient(session.remoteAddress) ? null : refusal('Not from there', 554));
  },
  onMailFrom(address, _session, callback) {
    callback(isAcceptableSender(address.address) ? null : refusal('Bad sender', 550));
  },
  onRcptTo(address, _session, callback) {
    callback(isLocalRecipient(address.address) ? null : refusal('Relay access denied', 550));
  },
  onData(stream, _session, callback) {
    countMessageBytes(stream).then(
      (bytes) => {
        deliveryTally.messages++;
        deliveryTally.bytes += bytes;
        callback();
      },
      (error: Error) => callback(error),
    );
  },
  onClose() {
    deliveryTally.closedSessions++;
  },
} satisfies Pick<SMTPServerOptions, 'onConnect' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>;
