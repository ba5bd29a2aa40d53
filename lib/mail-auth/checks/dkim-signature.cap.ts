import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes a message through with at most `max` DKIM-Signature fields, byte for byte otherwise:
 * each signature with its own `l=` or algorithm costs a pass over the body, so a message with
 * hundreds of them would hold the event loop. The fields past `max` are dropped and counted.
 */
export class DkimSignatureCap extends Transform {
  /** Signatures dropped so far. */
  dropped = 0;
  private seen = 0;
  private inBody = false;
  private dropping = false;
  /** The start of a header line whose end has not arrived yet (latin1 keeps bytes as they are). */
  private partial = '';

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.inBody) return done(null, chunk);
    const data = this.partial + chunk.toString('latin1');
    let kept = '';
    let start = 0;
    for (let end = data.indexOf('\n'); end !== -1; end = data.indexOf('\n', start)) {
      const line = data.slice(start, end + 1);
      start = end + 1;
      if (line === '\r\n' || line === '\n') {
        this.inBody = true;
        kept += data.slice(start - line.length);
        start = data.length;
        break;
      }
      if (line[0] !== ' ' && line[0] !== '\t') {
        this.dropping = /^dkim-signature[ \t]*:/i.test(line) && ++this.seen > this.max;
        if (this.dropping) this.dropped++;
      }
      if (!this.dropping) kept += line;
    }
    this.partial = data.slice(start);
    done(null, kept ? Buffer.from(kept, 'latin1') : undefined);
  }

  override _flush(done: TransformCallback): void {
    done(null, this.partial ? Buffer.from(this.partial, 'latin1') : undefined);
  }
}
