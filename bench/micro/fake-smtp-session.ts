import { PassThrough } from 'node:stream';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

let sequence = 0;

/**
 * A session shaped like the one smtp-server hands its callbacks after EHLO, so that dispatch can
 * be timed without sockets. Only the fields the callbacks and handlers read are filled in; the
 * cast says so.
 */
export function fakeSmtpSession(): SMTPServerSession {
  const session = {
    id: `micro${++sequence}`,
    secure: false,
    localAddress: '127.0.0.1',
    localPort: 2525,
    remoteAddress: '127.0.0.1',
    remotePort: 40000 + (sequence % 20000),
    clientHostname: '[127.0.0.1]',
    openingCommand: 'EHLO',
    hostNameAppearsAs: 'load.bench.test',
    transmissionType: 'ESMTP',
    tlsOptions: false,
    transaction: 1,
    envelope: { mailFrom: false, rcptTo: [], bodyType: '7bit', smtpUtf8: false, requireTLS: false },
  };
  return session as unknown as SMTPServerSession;
}

export function senderAddress(): SMTPServerAddress {
  return { address: 'load@bench.test', args: false };
}

export function recipientAddress(): SMTPServerAddress {
  return { address: 'inbox@bench.test', args: false };
}

const MESSAGE = Buffer.from('Subject: micro\r\n\r\nhello\r\n');

/** A message stream as smtp-server's parser produces it, already complete. */
export function finishedMessageStream(): SMTPServerDataStream {
  const stream = Object.assign(new PassThrough(), { byteLength: MESSAGE.length, sizeExceeded: false });
  stream.end(MESSAGE);
  return stream;
}

/** 64 KiB of 80-byte message lines: what one socket read gives smtp-server. */
const CHUNK = Buffer.from(`${'x'.repeat(78)}\r\n`.repeat(65_536 / 80 + 1), 'latin1').subarray(0, 65_536);
/** 1 MiB of message, the same chunk sixteen times (nothing along the way writes to it). */
const MEBIBYTE_CHUNKS: readonly Buffer[] = Array.from({ length: 16 }, () => CHUNK);

/**
 * A 1 MiB message stream, written the way smtp-server writes one: after the callback has it,
 * chunk by chunk, waiting for `'drain'` whenever a write says so.
 */
export function streamedMebibyteMessage(): SMTPServerDataStream {
  const stream = Object.assign(new PassThrough(), { byteLength: 0, sizeExceeded: false });
  let next = 0;
  const feed = (): void => {
    while (next < MEBIBYTE_CHUNKS.length) {
      const chunk = MEBIBYTE_CHUNKS[next++]!;
      stream.byteLength += chunk.length;
      if (!stream.write(chunk)) return void stream.once('drain', feed);
    }
    stream.end();
  };
  setImmediate(feed);
  return stream;
}
