import fc from 'fast-check';
import { LineEndingScanner } from '../../lib/line-endings/line-ending.scanner.js';

/** The reference: every CRLF, bare CR and bare LF becomes one CRLF. */
const normalized = (text: string) => text.replace(/\r\n|\r|\n/g, '\r\n');
const hasBareEnding = (text: string) => /\r(?!\n)|(?<!\r)\n/.test(text);

/** Text made mostly of what matters here: CR, LF, dots, and a little else. */
const content = fc
  .array(fc.constantFrom('\r', '\n', '\r\n', '.', 'a', 'MAIL FROM:<x@y>', '\u00e9', '\0'), { maxLength: 60 })
  .map((parts) => parts.join(''));

/** `text` cut into chunks at arbitrary points. */
const chunked = content.chain((text) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 8 })
    .map((cuts) => {
      const points = [0, ...cuts.filter((c) => c < text.length).sort((a, b) => a - b), text.length];
      return { text, chunks: points.slice(1).map((end, i) => Buffer.from(text.slice(points[i], end), 'latin1')) };
    }),
);

function scan(chunks: Buffer[]): { output: string; found: boolean } {
  const scanner = new LineEndingScanner();
  const pieces = chunks.map((chunk) => scanner.normalize(chunk));
  pieces.push(scanner.end());
  return { output: Buffer.concat(pieces).toString('latin1'), found: scanner.found };
}

describe('LineEndingScanner', () => {
  it('makes every bare LF and bare CR a CRLF, wherever the chunks are cut', () => {
    fc.assert(
      fc.property(chunked, ({ text, chunks }) => {
        const { output, found } = scan(chunks);
        expect(output).toBe(normalized(text));
        expect(found).toBe(hasBareEnding(text));
        expect(hasBareEnding(output)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves CRLF-only content byte for byte, and returns the very chunk when it has nothing to repair', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('line', '.', '..', '', 'x y'), { maxLength: 20 }), (lines) => {
        const chunk = Buffer.from(lines.join('\r\n') + '\r\n');
        const scanner = new LineEndingScanner();
        expect(scanner.normalize(chunk)).toBe(chunk);
        expect(scanner.end().length).toBe(0);
        expect(scanner.found).toBe(false);
      }),
    );
  });

  it('judges a CR at the end of a chunk by the first byte of the next one', () => {
    const scanner = new LineEndingScanner();
    expect(scanner.normalize(Buffer.from('a\r')).toString()).toBe('a\r');
    expect(scanner.normalize(Buffer.from('\nb\r')).toString()).toBe('\nb\r');
    expect(scanner.found).toBe(false);
    expect(scanner.normalize(Buffer.from('.\r')).toString()).toBe('\n.\r');
    expect(scanner.found).toBe(true);
    expect(scanner.end().toString()).toBe('\n');
  });
});
