import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { takeReplies, type SmtpReply } from './smtp-reply.js';

export interface SmtpTestClientOptions {
  host?: string;
  /** Connect with implicit TLS (port 465 style). */
  tls?: ConnectionOptions;
  /** Give up on a reply after this long. Default 10 s. */
  timeout?: number;
  /** Source address, e.g. another 127.0.0.0/8 address. */
  localAddress?: string;
  /**
   * Bytes sent first, before the greeting is read: e.g. a PROXY protocol header, to play the
   * load balancer in front of a server with `proxyProtocol`.
   */
  preamble?: string | Buffer;
}

export interface TestMessage {
  from: string;
  to: string | string[];
  /** The message as it goes on the wire before dot-stuffing, headers included. */
  body: string | Buffer;
  /** EHLO name; the client greets only once per connection. */
  ehlo?: string;
}

/**
 * A scripted SMTP client for tests, in the spirit of supertest: write commands, read replies,
 * assert codes. Raw enough to pipeline, misbehave and upgrade with STARTTLS.
 *
 * @example
 * const client = await SmtpTestClient.connect(server.address().port);
 * expect((await client.send('EHLO test')).code).toBe(250);
 * expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
 * await client.quit();
 */
export class SmtpTestClient {
  /** The 220 greeting (or the refusal a server sends instead). */
  greeting!: SmtpReply;
  private buffer = '';
  private readonly queue: SmtpReply[] = [];
  private waiters: { resolve: (reply: SmtpReply) => void; reject: (error: Error) => void }[] = [];
  private ended = false;
  private endError?: Error;
  private greeted = false;
  /** Settles when the server has closed the connection. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  private constructor(
    private socket: Socket | TLSSocket,
    private readonly timeout: number,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.attach(socket);
  }

  static async connect(port: number, options: SmtpTestClientOptions = {}): Promise<SmtpTestClient> {
    const host = options.host ?? '127.0.0.1';
    const source = options.localAddress ? { localAddress: options.localAddress } : {};
    const socket = options.tls
      ? tlsConnect({ host, port, rejectUnauthorized: false, ...source, ...options.tls })
      : netConnect({ host, port, ...source });
    const client = new SmtpTestClient(socket, options.timeout ?? 10_000);
    if (options.preamble !== undefined) socket.write(options.preamble);
    client.greeting = await client.read();
    return client;
  }

  /** This end's port: what the server (or, through a load balancer, its PROXY header) sees as `remotePort`. */
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** `true` once the server has closed the connection. */
  get isClosed(): boolean {
    return this.ended;
  }

  /** Sends one command line and reads its reply. */
  async send(command: string): Promise<SmtpReply> {
    this.write(`${command}\r\n`);
    return this.read();
  }

  /** Sends several commands in one write (PIPELINING) and reads one reply per command. */
  async pipeline(commands: string[]): Promise<SmtpReply[]> {
    this.write(commands.map((c) => `${c}\r\n`).join(''));
    const replies: SmtpReply[] = [];
    for (let i = 0; i < commands.length; i++) replies.push(await this.read());
    return replies;
  }

  /** Writes bytes as they are: for malformed input, bare LFs, partial commands. */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next reply from the server. */
  read(): Promise<SmtpReply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.endError ?? new Error('connection closed by server'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no SMTP reply within ${this.timeout} ms`));
      }, this.timeout);
      const done = (reply: SmtpReply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.waiters.push({
        resolve: done,
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** `EHLO` once per connection (no-op afterwards). */
  async ehlo(name = 'client.test'): Promise<SmtpReply> {
    this.greeted = true;
    return this.send(`EHLO ${name}`);
  }

  /**
   * Sends `DATA`, then the body dot-stuffed and terminated, and returns the final reply.
   * Throws if the server refused `DATA` itself (its reply is in the error message).
   */
  async data(body: string | Buffer): Promise<SmtpReply> {
    const go = await this.send('DATA');
    if (go.code !== 354) return go;
    const content = dotStuff(Buffer.from(body));
    // The terminator is CRLF.CRLF; a body that ends its last line already supplies the first CRLF.
    const ending = content.subarray(-2).toString() === '\r\n' ? '.\r\n' : '\r\n.\r\n';
    this.write(Buffer.concat([content, Buffer.from(ending)]));
    return this.read();
  }

  /**
   * A whole transaction: EHLO (first time only), MAIL FROM, each RCPT TO, DATA.
   * Returns every reply, so tests can look at the one they care about.
   */
  async sendMail(message: TestMessage): Promise<{ mailFrom: SmtpReply; rcptTo: SmtpReply[]; data?: SmtpReply }> {
    if (!this.greeted) await this.ehlo(message.ehlo);
    const mailFrom = await this.send(`MAIL FROM:<${message.from}>`);
    const rcptTo: SmtpReply[] = [];
    for (const to of Array.isArray(message.to) ? message.to : [message.to]) rcptTo.push(await this.send(`RCPT TO:<${to}>`));
    if (mailFrom.code !== 250 || !rcptTo.some((r) => r.code === 250)) {
      await this.send('RSET');
      return { mailFrom, rcptTo };
    }
    return { mailFrom, rcptTo, data: await this.data(message.body) };
  }

  /** Upgrades with STARTTLS; resolves once the TLS handshake is done. */
  async startTls(options: ConnectionOptions = {}): Promise<SmtpReply> {
    const reply = await this.send('STARTTLS');
    if (reply.code !== 220) return reply;
    await this.upgradeTls(options);
    return reply;
  }

  /**
   * Starts the TLS handshake on the connection as it is, without sending STARTTLS: for tests
   * that wrote STARTTLS themselves (e.g. pipelined with other commands) and read its 220.
   * Anything the server sent in cleartext after that 220 is discarded, as a client must.
   */
  async upgradeTls(options: ConnectionOptions = {}): Promise<void> {
    const plain = this.socket;
    this.buffer = '';
    this.queue.length = 0;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.greeted = false;
    this.attach(secure);
  }

  /** The TLS socket once the connection is encrypted (implicit TLS or after STARTTLS), e.g. for `getPeerCertificate()`. */
  get secureSocket(): TLSSocket | undefined {
    return 'encrypted' in this.socket && this.socket.encrypted ? this.socket : undefined;
  }

  /** `QUIT`, then waits for the server to close. */
  async quit(): Promise<void> {
    if (this.ended) return;
    try {
      await this.send('QUIT');
    } catch {
      // the server may already be gone; closing is all we wanted
    }
    this.socket.end();
    await this.closed;
  }

  /** Drops the connection without QUIT, as a crashing client would. */
  destroy(): void {
    this.socket.destroy();
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const { replies, rest } = takeReplies(this.buffer + chunk);
      this.buffer = rest;
      for (const reply of replies) {
        const waiter = this.waiters.shift();
        if (waiter) waiter.resolve(reply);
        else this.queue.push(reply);
      }
    });
    socket.on('error', (error) => (this.endError = error));
    socket.on('close', () => {
      this.ended = true;
      for (const waiter of this.waiters.splice(0)) {
        waiter.reject(this.endError ?? new Error('connection closed by server'));
      }
      this.resolveClosed();
    });
  }
}

/** RFC 5321 §4.5.2: a line starting with a dot gets one more. */
function dotStuff(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/(^|\r\n)\./g, '$1..');
  return Buffer.from(text, 'latin1');
}
