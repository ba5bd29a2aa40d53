import type { BareLineFeeds } from '../interfaces/fumi-hardening-options.interface.js';
import { REPLIES } from '../fumi.messages.js';
import { SmtpException } from '../smtp.exception.js';
import { LineEndingScanner } from './line-ending.scanner.js';

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
  private reading = false;
  private resolveEnded!: () => void;
  /** Settles once the message has been read to its end (or was cut short). */
  private readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  constructor(
    private readonly input: AsyncIterable<Buffer>,
    private readonly policy: BareLineFeeds,
    /** The server's `size`: received bytes beyond it are not kept. */
    private readonly maxBytes: number,
  ) {}

  /** The message as handlers get it. Read it once. */
  read(): AsyncIterable<Buffer> {
    this.reading = true;
    return this.filter();
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
    if (!this.reading) void this.drain();
    void this.ended.then(() => (this.scanner.found ? refuse() : accept()));
  }

  private async *filter(): AsyncGenerator<Buffer> {
    try {
      let received = 0;
      for await (const chunk of this.input) {
        // Past `size` nothing is kept (smtp-server refuses the message with 552); the limit is
        // applied to the bytes received, so normalizing never cuts a message that fits.
        const room = this.maxBytes - received;
        received += chunk.length;
        const kept = room <= 0 ? undefined : room < chunk.length ? chunk.subarray(0, room) : chunk;
        if (this.policy === 'allow') {
          if (kept) yield kept;
        } else if (this.policy === 'normalize') {
          if (kept) yield this.scanner.normalize(kept);
        } else if (!this.scanner.found) {
          this.scanner.normalize(chunk);
          if (kept && !this.scanner.found) yield kept;
        }
      }
      const tail = this.scanner.end();
      if (this.policy === 'normalize' && tail.length) yield tail;
      if (this.policy === 'reject' && this.scanner.found) {
        throw SmtpException.of(REPLIES.bareLineFeed);
      }
    } finally {
      this.resolveEnded();
    }
  }

  private async drain(): Promise<void> {
    try {
      for await (const chunk of this.read()) void chunk;
    } catch {
      // the refusal, or the client gone: answer() reads the verdict from the scanner
    }
  }
}
