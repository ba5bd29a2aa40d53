import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import { fakeSmtpSession, finishedMessageStream, recipientAddress, senderAddress, streamedMebibyteMessage } from './fake-smtp-session.js';

/** One phase as smtp-server invokes it, as a promise that settles when the callback is called. */
export type PhaseCall = () => Promise<void>;

function settle(resolve: () => void, reject: (error: Error) => void) {
  return (error?: Error | null) => (error ? reject(error) : resolve());
}

/**
 * The callbacks of one SMTPServer (raw or built by FumiServer), called the way smtp-server calls
 * them. `connect+close` uses a fresh session each time, as a new connection would; the others
 * reuse one session, as commands on a persistent connection do. `onClose` has no callback, so
 * that row waits one macrotask, in every variant alike.
 */
export function phaseCalls(smtp: SMTPServer): Record<string, PhaseCall> {
  const session: SMTPServerSession = fakeSmtpSession();
  const connect = (fresh: SMTPServerSession) =>
    new Promise<void>((resolve, reject) => smtp.onConnect(fresh, settle(resolve, reject)));
  return {
    connect: () => connect(fakeSmtpSession()),
    mailFrom: () => new Promise((resolve, reject) => smtp.onMailFrom(senderAddress(), session, settle(resolve, reject))),
    rcptTo: () => new Promise((resolve, reject) => smtp.onRcptTo(recipientAddress(), session, settle(resolve, reject))),
    data: () => new Promise((resolve, reject) => smtp.onData(finishedMessageStream(), session, settle(resolve, reject))),
    // What a message's size costs: the same phase with 1 MiB streamed in (µs per MiB).
    'data, 1 MiB': () =>
      new Promise((resolve, reject) => smtp.onData(streamedMebibyteMessage(), session, settle(resolve, reject))),
    'connect+close': async () => {
      const fresh = fakeSmtpSession();
      await connect(fresh);
      smtp.onClose(fresh, () => undefined);
      await nextMacrotask();
    },
    // A short connection's whole life: every phase once, on a new session.
    'whole connection': async () => {
      const fresh = fakeSmtpSession();
      await connect(fresh);
      await new Promise<void>((resolve, reject) => smtp.onMailFrom(senderAddress(), fresh, settle(resolve, reject)));
      await new Promise<void>((resolve, reject) => smtp.onRcptTo(recipientAddress(), fresh, settle(resolve, reject)));
      await new Promise<void>((resolve, reject) => smtp.onData(finishedMessageStream(), fresh, settle(resolve, reject)));
      smtp.onClose(fresh, () => undefined);
      await nextMacrotask();
    },
  };
}
