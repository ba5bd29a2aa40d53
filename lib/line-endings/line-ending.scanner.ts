import { BareLineEndingDetector } from './bare-line-ending.detector.js';

const CR = 0x0d;
const LF = 0x0a;
const CR_BYTE = Buffer.from([CR]);
const LF_BYTE = Buffer.from([LF]);
const NOTHING = Buffer.alloc(0);

/**
 * Finds, and can repair, line endings other than CRLF in a byte stream read chunk by chunk: a
 * bare LF (an LF without a CR before it) and a bare CR (a CR without an LF after it). RFC 5321
 * §2.3.8 allows CR and LF only together; receivers that take a bare one for a line end are what
 * SMTP smuggling plays on.
 *
 * Repairing only ever inserts: a bare LF gets a CR before it, a bare CR an LF after it, so every
 * other byte passes through as it came, and chunk boundaries make no difference (a CR at the end
 * of a chunk is judged by the first byte of the next one, or by `end()`).
 */
export class LineEndingScanner {
  /** The last byte seen was a CR whose successor has not been seen yet. */
  private crPending = false;
  private bareSeen = false;

  /** `detector`: answers "nothing to repair" for whole chunks at once; `null` scans in JavaScript alone. */
  constructor(private readonly detector: BareLineEndingDetector | null = BareLineEndingDetector.shared) {}

  /** Whether a bare LF or bare CR has been seen so far. */
  get found(): boolean {
    return this.bareSeen;
  }

  /** `chunk` with every bare LF and bare CR made CRLF; the chunk itself when it has none. */
  normalize(chunk: Buffer): Buffer {
    const length = chunk.length;
    if (length === 0) return chunk;
    if (this.detector?.isClean(chunk, this.crPending)) {
      this.crPending = chunk[length - 1] === CR;
      return chunk;
    }
    const pieces: Buffer[] = [];
    let from = 0;
    const insert = (at: number, byte: Buffer) => {
      this.bareSeen = true;
      pieces.push(chunk.subarray(from, at), byte);
      from = at;
    };
    if (this.crPending && chunk[0] !== LF) insert(0, LF_BYTE);
    // Jump from one CR or LF to the next: message bodies are long runs of neither.
    let nextCr = chunk.indexOf(CR);
    let nextLf = chunk.indexOf(LF);
    while (nextCr !== -1 || nextLf !== -1) {
      if (nextCr !== -1 && (nextLf === -1 || nextCr < nextLf)) {
        if (nextCr + 1 < length && chunk[nextCr + 1] !== LF) insert(nextCr + 1, LF_BYTE);
        nextCr = chunk.indexOf(CR, nextCr + 1);
      } else {
        const afterCr = nextLf === 0 ? this.crPending : chunk[nextLf - 1] === CR;
        if (!afterCr) insert(nextLf, CR_BYTE);
        nextLf = chunk.indexOf(LF, nextLf + 1);
      }
    }
    this.crPending = chunk[length - 1] === CR;
    if (!pieces.length) return chunk;
    pieces.push(chunk.subarray(from));
    return Buffer.concat(pieces);
  }

  /** At the end of the stream: the LF a trailing bare CR still needs, if any. */
  end(): Buffer {
    if (!this.crPending) return NOTHING;
    this.crPending = false;
    this.bareSeen = true;
    return LF_BYTE;
  }
}
