const LF = 0x0a;
const HYPHEN = 0x2d;
const ZERO = 0x30;

/**
 * Splits what an SMTP server sends into complete replies and reports each reply's code.
 * Works on bytes (no string decoding, no regular expressions): this runs for every reply the
 * load generator receives, and the load generator must stay faster than the server it drives.
 */
export class ReplyReader {
  private partial: Buffer | undefined;

  /** `onReply` gets each reply's code, and its last line as `line.subarray(start, end)` for an error to quote. */
  constructor(private readonly onReply: (code: number, line: Buffer, start: number, end: number) => void) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.partial) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let start = 0;
    for (let end = data.indexOf(LF, start); end !== -1; end = data.indexOf(LF, start)) {
      // "250-..." continues a multi-line reply; "250 ..." (or a bare "250") ends it.
      if (end - start < 4 || data[start + 3] !== HYPHEN) {
        this.onReply((data[start]! - ZERO) * 100 + (data[start + 1]! - ZERO) * 10 + (data[start + 2]! - ZERO), data, start, end);
      }
      start = end + 1;
    }
    // Copy the tail so that a big chunk is not kept alive by a few leftover bytes.
    if (start < data.length) this.partial = Buffer.from(data.subarray(start));
  }
}
