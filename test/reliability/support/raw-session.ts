import { connect, type Socket } from 'node:net';

/** One reply line as RFC 5321 §4.2 has it: a code, then a space (last line) or a hyphen, then text. */
const REPLY_LINE = /^([2-5][0-9][0-9])([ -]|$)/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** What a session has received so far, read strictly. */
export interface ReceivedReplies {
  /** Code of every complete reply (the greeting first), in order. */
  readonly codes: number[];
  /** The text of the last line of each reply, in the same order. */
  readonly texts: string[];
  /** Lines that are not a well-formed reply line, or that carry a control character. */
  readonly malformed: string[];
  /** Bytes after the last CRLF: a reply the server never finished. */
  readonly unterminated: string;
}

/**
 * A raw TCP client for hostile input: writes any bytes, keeps every byte received, and reads
 * replies strictly (see `ReceivedReplies`). Unlike `SmtpTestClient` it never interprets the
 * conversation, so it can count what the server answered to what.
 */
export class RawSession {
  private readonly chunks: Buffer[] = [];
  private readonly waiters = new Set<() => void>();
  private ended = false;
  /** Settles when the connection is closed, by either side. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.notify();
        resolve();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.notify();
    });
    socket.on('error', () => undefined); // a reset is an outcome, read through `isClosed`
  }

  /** Connects and waits for the greeting (or the refusal sent instead). */
  static async connect(port: number, options: { localAddress?: string; timeout?: number } = {}): Promise<RawSession> {
    const socket = connect({ host: '127.0.0.1', port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    socket.setNoDelay(true);
    const session = new RawSession(socket);
    await session.waitForReplies(1, options.timeout ?? 10_000);
    return session;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  write(data: string | Buffer): void {
    if (!this.ended && !this.socket.destroyed) this.socket.write(data);
  }

  /** Writes `data` in the given pieces, each in its own TCP segment as far as the OS allows. */
  async writeInPieces(pieces: readonly Buffer[], pauseMs = 1): Promise<void> {
    for (const piece of pieces) {
      this.write(piece);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  /** The replies received so far. */
  replies(): ReceivedReplies {
    const text = this.received.toString('utf8');
    const lines = text.split('\r\n');
    const unterminated = lines.pop() ?? '';
    const codes: number[] = [];
    const texts: string[] = [];
    const malformed: string[] = [];
    for (const line of lines) {
      const match = REPLY_LINE.exec(line);
      if (!match || CONTROL.test(line)) {
        malformed.push(line);
        continue;
      }
      if (match[2] !== '-') {
        codes.push(Number(match[1]));
        texts.push(line.slice(4));
      }
    }
    return { codes, texts, malformed, unterminated };
  }

  /** Waits until `count` complete replies (the greeting included) are in, the connection closes, or `ms` pass. */
  async waitForReplies(count: number, ms = 10_000): Promise<ReceivedReplies> {
    const deadline = Date.now() + ms;
    while (this.replies().codes.length < count && !this.ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.waiters.add(wake);
      });
    }
    return this.replies();
  }

  /** Ends the connection from this side. */
  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
