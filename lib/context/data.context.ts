import { simpleParser, type ParsedMail } from 'mailparser';
import type { Readable } from 'node:stream';
import type { FumiSession } from '../server/fumi-session.js';
import type { SmtpAddress } from './smtp-address.interface.js';
import type { MessageSpool } from '../message/message-spool.js';
import { buildReceivedHeader, type ReceivedHeaderOptions } from '../message/received-header.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { SmtpContext } from './smtp.context.js';
import { DEFAULT_PARSE_OPTIONS, parseOptionsKey, type FumiParseOptions } from '../parsing/fumi-parse-options.js';
import { sharedParserPool } from '../parsing/shared-parser-pool.js';

/**
 * `@OnData()`: the message is arriving. The client gets 250 only after the whole chain has
 * finished; whatever the handlers leave unread is drained.
 *
 * Every handler of the chain can look at the message in the form it needs, computed once and
 * shared: `stream` (a fresh stream each time), `buffer()`, `parse()`. Past the spool threshold
 * the message is kept in a temporary file, not in memory; the file is removed after the
 * transaction whatever happens. With `spoolDirectory: false` there is no file, and a message
 * past the threshold can only be read by streams opened before its older bytes were read.
 */
export class DataContext<TState extends object = Record<string, unknown>, TUser = unknown> extends SmtpContext<
  TState,
  TUser
> {
  readonly phase = 'data' as const;
  /** Parses by options key: handlers asking the same get the same parse. */
  #parsed?: Map<string, Promise<ParsedMail>>;
  #buffered?: Promise<Buffer>;
  /** Made for the LMTP recipient refused first: a message with none, nearly all, needs no map. */
  #rejected?: Map<number, SmtpException>;

  constructor(
    session: FumiSession<TState, TUser>,
    private readonly spool: MessageSpool,
    private readonly sizeLimited: { readonly sizeExceeded: boolean },
  ) {
    super(session);
  }

  /**
   * The message as it is on the wire after dot-unstuffing, without the final dot, its line
   * endings as the `bareLineFeeds` policy leaves them (CRLF only, by default). Each read of
   * this property gives a new stream from the first byte, so several handlers can each read it;
   * it follows the message while it arrives and fails if the client goes away mid-DATA.
   */
  get stream(): Readable {
    return this.spool.createReadStream();
  }

  /** The whole message in memory, once complete (computed once per message). */
  buffer(): Promise<Buffer> {
    this.#buffered ??= this.spool.buffer();
    return this.#buffered;
  }

  /**
   * The message parsed by mailparser, attachments included, computed once per message and set
   * of options. The HTML↔text conversions are skipped unless asked (`skipHtmlToText: false`...).
   * A parse runs on the event loop every session shares unless given a `pool`: a few MB of HTML
   * can take it for seconds.
   */
  parse(options: FumiParseOptions = {}): Promise<ParsedMail> {
    const { pool, ...own } = options;
    const parserOptions = { ...DEFAULT_PARSE_OPTIONS, ...own };
    const key = parseOptionsKey(parserOptions);
    const known = key === undefined ? undefined : this.#parsed?.get(key);
    if (known) return known;
    const stream = this.spool.createReadStream();
    const parsed = pool
      ? (pool === true ? sharedParserPool() : pool).parse(stream, { parser: parserOptions })
      : simpleParser(stream, parserOptions).finally(() => stream.destroy());
    if (key === undefined) return parsed;
    const parses = (this.#parsed ??= new Map());
    parses.set(key, parsed);
    // a failed parse is not kept: a busy pool, say, may be followed by a parse on the loop
    parsed.catch(() => parses.get(key) === parsed && parses.delete(key));
    return parsed;
  }

  /** `true` once the message went over the `size` option: it will be refused with 552 5.3.4. */
  get sizeExceeded(): boolean {
    return this.sizeLimited.sizeExceeded;
  }

  /** Bytes received so far. */
  get byteLength(): number {
    return this.spool.size;
  }

  /** Resolves when the message is complete; rejects if the client went away mid-DATA. */
  async received(): Promise<void> {
    await this.spool.done;
    if (this.spool.error) throw this.spool.error;
  }

  /**
   * An RFC 5321 §4.4 `Received:` trace header for this message (ending in CRLF), to prepend when
   * storing it: client name and address, this server, protocol (`ESMTPSA`...), TLS, session id,
   * the recipient when there is only one, and the date.
   */
  receivedHeader(options?: ReceivedHeaderOptions): string {
    return buildReceivedHeader(this.session, options);
  }

  /**
   * LMTP only: refuses the message for one recipient while the others accept it; replies follow
   * RCPT order. (With SMTP one reply covers all recipients: use `reject()`.)
   */
  rejectRecipient(recipient: string | SmtpAddress, message = 'Mailbox unavailable', code = 550, enhancedCode?: string): void {
    if (!this.session.server.lmtp) {
      throw new TypeError('rejectRecipient() needs an LMTP server (lmtp: true); with SMTP use ctx.reject()');
    }
    const address = (typeof recipient === 'string' ? recipient : recipient.address).toLowerCase();
    const index = this.session.envelope.rcptTo.findIndex((r) => r.address.toLowerCase() === address);
    if (index === -1) throw new TypeError(`rejectRecipient(): <${address}> is not a recipient of this message`);
    (this.#rejected ??= new Map()).set(index, new SmtpException(message, code, enhancedCode));
  }

  /** @internal the per-recipient refusals, by position in `envelope.rcptTo` */
  recipientRejections(): ReadonlyMap<number, SmtpException> {
    return this.#rejected ?? NO_REJECTIONS;
  }
}

const NO_REJECTIONS: ReadonlyMap<number, SmtpException> = new Map();
