import { createServer, type Socket } from 'node:net';
import { deliveryTally } from './mail-policy.js';
import type { RunningBenchServer } from './running-bench-server.js';

const TERMINATOR = Buffer.from('\r\n.\r\n');
const CRLF = Buffer.from('\r\n');
const LF = 0x0a;

/**
 * Just enough SMTP to keep the load generator busy, and as little work as possible: no greeting
 * delay, every command accepted, messages skipped over with `indexOf`. The rate the load
 * generator reaches against it is the load generator's own ceiling.
 */
class SinkSession {
  private inData = false;
  /** Last bytes seen in DATA mode, to find a terminator split across chunks. */
  private carry: Buffer = CRLF;
  private partialLine: Buffer | undefined;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.write('220 sink ESMTP\r\n');
  }

  private onData(input: Buffer): void {
    let chunk = input;
    let replies = '';
    while (chunk.length > 0) {
      if (this.inData) {
        const end = this.findTerminator(chunk);
        if (end === -1) break;
        replies += '250 OK\r\n';
        deliveryTally.messages++;
        this.inData = false;
        chunk = chunk.subarray(end);
        continue;
      }
      if (this.partialLine) {
        chunk = Buffer.concat([this.partialLine, chunk]);
        this.partialLine = undefined;
      }
      const lineEnd = chunk.indexOf(LF);
      if (lineEnd === -1) {
        this.partialLine = Buffer.from(chunk);
        break;
      }
      const verb = chunk.toString('latin1', 0, 4).toUpperCase();
      chunk = chunk.subarray(lineEnd + 1);
      if (verb === 'EHLO') replies += '250-sink\r\n250 PIPELINING\r\n';
      else if (verb === 'DATA') {
        replies += '354 go ahead\r\n';
        this.inData = true;
        this.carry = CRLF;
      } else if (verb === 'QUIT') {
        this.socket.end(`${replies}221 bye\r\n`);
        return;
      } else replies += '250 OK\r\n';
    }
    if (replies) this.socket.write(replies);
  }

  /** Offset just past the `.` line in `chunk`, or -1 (then the chunk's tail is kept). */
  private findTerminator(chunk: Buffer): number {
    const seam = Buffer.concat([this.carry, chunk.subarray(0, TERMINATOR.length - 1)]);
    const atSeam = seam.indexOf(TERMINATOR);
    if (atSeam !== -1) return atSeam + TERMINATOR.length - this.carry.length;
    const inside = chunk.indexOf(TERMINATOR);
    if (inside !== -1) return inside + TERMINATOR.length;
    const tail = TERMINATOR.length - 1;
    this.carry = Buffer.from(chunk.length >= tail ? chunk.subarray(chunk.length - tail) : Buffer.concat([this.carry, chunk]).subarray(-tail));
    return -1;
  }
}

/** Starts the sink on a free loopback port. */
export function startSmtpSink(): Promise<RunningBenchServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new SinkSession(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address === 'string') return reject(new Error('no TCP address'));
      resolve({
        port: address.port,
        connections: () => sockets.size,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
