import fc from 'fast-check';
import { BARE_LINE_ENDING_WASM } from '../../lib/line-endings/bare-line-ending.wasm.js';
import { BareLineEndingDetector } from '../../lib/line-endings/bare-line-ending.detector.js';
import { LineEndingScanner } from '../../lib/line-endings/line-ending.scanner.js';
import { compileWat } from '../support/wat-module.js';

/** The reference: every CRLF, bare CR and bare LF becomes one CRLF. */
const normalized = (text: string) => text.replace(/\r\n|\r|\n/g, '\r\n');
const hasBareEnding = (text: string) => /\r(?!\n)|(?<!\r)\n/.test(text);

/** Text made mostly of what matters here: CR, LF, dots, and a little else. */
const content = fc
  .array(fc.constantFrom('\r', '\n', '\r\n', '.', 'a', 'MAIL FROM:<x@y>', '\u00e9', '\0'), { maxLength: 60 })
  .map((parts) => parts.join(''));

/** `text` as chunks cut at `cuts` (those past its end ignored). */
function cutAt(text: string, cuts: readonly number[]): { text: string; chunks: Buffer[] } {
  const points = [0, ...cuts.filter((c) => c < text.length).sort((a, b) => a - b), text.length];
  return { text, chunks: points.slice(1).map((end, i) => Buffer.from(text.slice(points[i], end), 'latin1')) };
}

/** `text` cut into chunks at arbitrary points. */
const chunked = content.chain((text) =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 8 }).map((cuts) => cutAt(text, cuts)),
);

/**
 * Long CRLF text (lines of 80 bytes, as mail bodies have) with bare CRs and LFs put in at the
 * given places, which the cases pick around the detector's 64 KiB windows and the chunk ends.
 */
const BOUNDARIES = [0, 1, 64, 65_535, 65_536, 65_537, 131_071, 131_072, 199_999];
const longTextRecipe = fc.record({
  length: fc.integer({ min: 66_000, max: 200_000 }),
  // Shifts the lines, so that a CRLF falls across a window edge now and then.
  offset: fc.integer({ min: 0, max: 79 }),
  bare: fc.array(
    fc.record({
      at: fc.oneof(fc.constantFrom(...BOUNDARIES), fc.integer({ min: 0, max: 200_000 })),
      shift: fc.integer({ min: -2, max: 2 }),
      text: fc.constantFrom('\r', '\n', '\n\r', '\r\r\n'),
    }),
    { maxLength: 3 },
  ),
  cuts: fc.uniqueArray(fc.oneof(fc.constantFrom(...BOUNDARIES), fc.integer({ min: 1, max: 199_999 })), { maxLength: 3 }),
});

/** The text a recipe makes (cases hold recipes, so that a counterexample prints short). */
function longText({ length, offset, bare, cuts }: typeof longTextRecipe extends fc.Arbitrary<infer R> ? R : never) {
  let text = ('y'.repeat(offset) + `${'x'.repeat(78)}\r\n`.repeat(Math.ceil(length / 80))).slice(0, length);
  for (const { at, shift, text: insert } of bare) {
    const place = Math.min(text.length, Math.max(0, at + shift));
    text = text.slice(0, place) + insert + text.slice(place);
  }
  return cutAt(text, cuts);
}

const SCANNERS = [
  ['with the WebAssembly detector', () => new LineEndingScanner()],
  ['in JavaScript alone', () => new LineEndingScanner(null)],
] as const;

function scan(chunks: Buffer[], scanner: LineEndingScanner): { output: string; found: boolean } {
  const pieces = chunks.map((chunk) => scanner.normalize(chunk));
  pieces.push(scanner.end());
  return { output: Buffer.concat(pieces).toString('latin1'), found: scanner.found };
}

describe.each(SCANNERS)('LineEndingScanner %s', (_name, newScanner) => {
  it('makes every bare LF and bare CR a CRLF, wherever the chunks are cut', () => {
    fc.assert(
      fc.property(chunked, ({ text, chunks }) => {
        const { output, found } = scan(chunks, newScanner());
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
        const scanner = newScanner();
        expect(scanner.normalize(chunk)).toBe(chunk);
        expect(scanner.end().length).toBe(0);
        expect(scanner.found).toBe(false);
      }),
    );
  });

  it('finds and repairs bare line endings in long chunks, at window edges and chunk ends', () => {
    fc.assert(
      fc.property(longTextRecipe, (recipe) => {
        const { text, chunks } = longText(recipe);
        const { output, found } = scan(chunks, newScanner());
        expect(found).toBe(hasBareEnding(text));
        expect(output === normalized(text)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('judges a CR at the end of a chunk by the first byte of the next one', () => {
    const scanner = newScanner();
    expect(scanner.normalize(Buffer.from('a\r')).toString()).toBe('a\r');
    expect(scanner.normalize(Buffer.from('\nb\r')).toString()).toBe('\nb\r');
    expect(scanner.found).toBe(false);
    expect(scanner.normalize(Buffer.from('.\r')).toString()).toBe('\n.\r');
    expect(scanner.found).toBe(true);
    expect(scanner.end().toString()).toBe('\n');
  });
});

describe('BareLineEndingDetector', () => {
  it('is available on the Node.js the project runs on, so the tests above cover it', () => {
    expect(BareLineEndingDetector.shared).toBeInstanceOf(BareLineEndingDetector);
  });

  it('calls a chunk clean exactly when it is, given the byte before it and leaving a final CR to the next chunk', () => {
    const detector = BareLineEndingDetector.shared!;
    const judged = (text: string, crBefore: boolean) =>
      !hasBareEnding(`${crBefore ? '\r' : ''}${text}${text.endsWith('\r') ? '\n' : ''}`);
    // Short texts first, then long ones, so that each call finds the memory the last one left.
    const cases = fc.oneof(content.filter((text) => text.length > 0).map((text) => ({ text })), longTextRecipe);
    fc.assert(
      fc.property(cases, fc.boolean(), (recipe, crBefore) => {
        const text = 'text' in recipe ? recipe.text : longText(recipe).text;
        expect(detector.isClean(Buffer.from(text, 'latin1'), crBefore)).toBe(judged(text, crBefore));
      }),
      { numRuns: 1000 },
    );
  });

  it('embeds the module its text source compiles to (`npm run build:wasm` rewrites it)', async () => {
    expect(BARE_LINE_ENDING_WASM).toBe((await compileWat()).toString('base64'));
  });
});
