import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { MessageBody } from './message-body.js';
import { ReplyReader } from './reply-reader.js';

/** Replies a written group of commands waits for, in order. */
interface PendingGroup {
  readonly codes: readonly number[];
  received: number;
  firstReplyAt: number;
  resolve(firstReplyAt: number): void;
  reject(error: Error): void;
}

/**
 * One SMTP connection on a raw socket, written as RFC 2920 pipelining allows: a whole group of
 * commands in one write, then every reply of the group at once. No nodemailer in the hot loop:
 * a message costs this side two writes and a handful of byte scans.
 */
export class PipeliningSmtpClient {
  private readonly pending: PendingGroup[] = [];
  private readonly reader = new ReplyReader((code, line, start, end) => this.onReply(code, line, start, end));
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.reader.push(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  /** Opens a connection and waits for the 220 greeting (smtp-server delays it by 100 ms). */
  static async open(port: number): Promise<PipeliningSmtpClient> {
    const socket = connect({ port, host: '127.0.0.1' });
    const client = new PipeliningSmtpClient(socket);
    await client.expect([220]);
    return client;
  }

  /** Writes commands (CRLF-terminated, possibly several) and waits for their replies. */
  send(commands: string, codes: readonly number[]): Promise<number> {
    const replies = this.expect(codes);
    this.socket.write(commands, 'latin1');
    return replies;
  }

  /**
   * Writes a message body (already ending in the `.` line) and any commands pipelined after it,
   * honouring backpressure, and waits for the replies. Resolves with the time the first reply
   * (the message's own 250) arrived.
   */
  async sendMessage(body: MessageBody, trailingCommands: string, codes: readonly number[]): Promise<number> {
    const replies = this.expect(codes);
    const last = body.chunks.length - 1;
    for (let i = 0; i <= last; i++) {
      const chunk = body.chunks[i]!;
      const flushed = i === last && trailingCommands ? this.writeWithTrailer(chunk, trailingCommands) : this.socket.write(chunk);
      if (!flushed && i < last) await this.drained();
    }
    return replies;
  }

  /** Drops the connection without ceremony (after QUIT, or to release idle connections fast). */
  destroy(): void {
    this.failure ??= new Error('connection destroyed by the client');
    this.socket.destroy();
  }

  private writeWithTrailer(chunk: Buffer, trailingCommands: string): boolean {
    // One segment for the end of the message and the next commands, as pipelining intends.
    this.socket.cork();
    this.socket.write(chunk);
    const flushed = this.socket.write(trailingCommands, 'latin1');
    this.socket.uncork();
    return flushed;
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off('drain', onDrain);
        reject(this.failure ?? new Error('connection closed while writing'));
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  private expect(codes: readonly number[]): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ codes, received: 0, firstReplyAt: 0, resolve, reject });
    });
  }

  private onReply(code: number, line: Buffer, start: number, end: number): void {
    const group = this.pending[0];
    const quoted = () => JSON.stringify(line.toString('latin1', start, end).trimEnd());
    if (!group) return this.fail(new Error(`unexpected reply ${quoted()}`));
    if (group.codes[group.received] !== code) {
      return this.fail(new Error(`expected ${group.codes[group.received]}, got ${quoted()}`));
    }
    if (group.received++ === 0) group.firstReplyAt = performance.now();
    if (group.received === group.codes.length) {
      this.pending.shift();
      group.resolve(group.firstReplyAt);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const group of this.pending.splice(0)) group.reject(this.failure);
    if (!this.socket.destroyed && error.message.startsWith('expected')) this.socket.destroy();
  }
}
