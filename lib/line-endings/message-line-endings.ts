import type { SMTPServerDataStream } from 'smtp-server';
import type { BareLineFeeds } from '../options/fumi-hardening-options.interface.js';
import type { MessageSpool } from '../message/message-spool.js';
import { REPLIES } from '../fumi.messages.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { LineEndingScanner } from './line-ending.scanner.js';
import { ClientDisconnectedException } from '../exceptions/client-disconnected.exception.js';

/**
 * One message's content under the line-ending policy, between smtp-server's DATA stream and
 * the spool every `@OnData` handler reads from.
 *
 * - `'allow'`: the bytes as they came.
 * - `'normalize'`: every bare LF and bare CR made CRLF (at most twice the bytes).
 * - `'reject'`: the bytes up to the chunk with the first bare line ending; the rest is read
 *   (smtp-server needs the message consumed to find its end) but not kept, and once the message
 *   has ended the stream fails with the `550 5.5.2` refusal, so no handler ever sees it whole.
 */
export class MessageLineEndings {
  private readonly scanner = new LineEndingScanner();
  private received = 0;
  private reading = false;
  /** The message has been read to its end (or was cut short). */
  private ended = false;
  /** What `answer()` left to do once it has: only under `'reject'`. */
  private whenEnded?: () => void;

  constructor(
    private readonly input: SMTPServerDataStream,
    private readonly policy: BareLineFeeds,
    /** The server's `size`: received bytes beyond it are not kept. */
    private readonly maxBytes: number,
  ) {}

  /**
   * Reads the message into `spool` as handlers get it, keeping to the spool's pace; the spool
   * ends when the message does, or fails when it is cut short or refused. Without a spool the
   * message is only read to be judged. Call once.
   */
  pipeTo(spool?: MessageSpool): void {
    this.reading = true;
    const resume = () => this.input.resume();
    this.input.on('data', (chunk: Buffer) => {
      const kept = this.take(chunk);
      if (spool && kept && !spool.write(kept) && !this.input.isPaused()) {
        this.input.pause();
        spool.onDrain(resume);
      }
    });
    this.whenRead((error) => {
      const tail = this.scanner.end();
      if (spool) {
        if (error) spool.fail(ClientDisconnectedException.from(error));
        else if (this.policy === 'reject' && this.scanner.found) spool.fail(SmtpException.of(REPLIES.bareLineFeed));
        else {
          if (this.policy === 'normalize' && tail.length) spool.write(tail);
          spool.end();
        }
      }
      this.ended = true;
      this.whenEnded?.();
    });
  }

  /**
   * Calls `done` once the message has been read to its end, or with the error that cut it short
   * (smtp-server destroys the stream when the client goes away mid-DATA, with an error when
   * someone listens for one). What `stream.finished()` does for this one readable stream, with
   * three listeners where it adds seven, an async resource and their closures to every message.
   */
  private whenRead(done: (error?: Error) => void): void {
    const input = this.input;
    // The first of the three removes all three: `done` runs once, without `once()`'s wrappers.
    const settle = (error?: Error) => {
      input.off('end', onEnd).off('error', settle).off('close', onClose);
      done(error);
    };
    const onEnd = () => settle();
    const onClose = () => settle(input.readableEnded ? undefined : prematureClose());
    input.on('end', onEnd).on('error', settle).on('close', onClose);
  }

  /**
   * The most bytes the message can become once filtered, for the spool's own limit: a message
   * of `maxBytes` with every line ending bare doubles under `'normalize'`.
   */
  get storedLimit(): number {
    return this.policy === 'normalize' ? this.maxBytes * 2 : this.maxBytes;
  }

  /**
   * Answers the message: under `'reject'`, once it has ended, with `refuse()` if it had a bare
   * line ending and with `accept()` otherwise; under the other policies with `accept()` at once.
   */
  answer(accept: () => void, refuse: () => void): void {
    if (this.policy !== 'reject') return accept();
    // Without data handlers nobody reads the message; it has to be read to be judged.
    if (!this.reading) this.pipeTo();
    const judge = () => (this.scanner.found ? refuse() : accept());
    if (this.ended) judge();
    else this.whenEnded = judge;
  }

  /** The part of `chunk` handlers get, as the policy has it; nothing once past `size`. */
  private take(chunk: Buffer): Buffer | undefined {
    // Past `size` nothing is kept (smtp-server refuses the message with 552); the limit is
    // applied to the bytes received, so normalizing never cuts a message that fits.
    const room = this.maxBytes - this.received;
    this.received += chunk.length;
    const kept = room <= 0 ? undefined : room < chunk.length ? chunk.subarray(0, room) : chunk;
    if (this.policy === 'allow') return kept;
    if (this.policy === 'normalize') return kept && this.scanner.normalize(kept);
    if (this.scanner.found) return undefined;
    this.scanner.normalize(chunk);
    return this.scanner.found ? undefined : kept;
  }
}

/** As `stream.finished()` reports a stream closed before its end. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}
