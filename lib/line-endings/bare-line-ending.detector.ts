import { BARE_LINE_ENDING_WASM } from './bare-line-ending.wasm.js';

// The little of WebAssembly used here; the es2024 library and @types/node leave it undeclared.
interface WasmExports {
  memory: { buffer: ArrayBuffer };
  hasBareLineEnding(length: number): number;
}
declare const WebAssembly: {
  Module: new (binary: Uint8Array) => object;
  Instance: new (module: object) => { exports: WasmExports };
};

const CR = 0x0d;
const LF = 0x0a;
/** Where the module expects the bytes (see bare-line-ending.wat), and what it reads past them. */
const DATA_AT = 16;
const PADDING = 64;
/** Bytes judged per call: the module's two pages hold one window with its margins. */
const WINDOW = 64 * 1024;

/**
 * Tells, at memory speed, whether a chunk of a message is free of bare line endings. Message
 * content is almost always clean, and hopping from line ending to line ending in JavaScript
 * cost more than smtp-server's own reading of the message; this answers the common case and
 * leaves finding (and repairing) the bare ones to the scanner.
 */
export class BareLineEndingDetector {
  private readonly memory: Uint8Array;
  private readonly hasBareLineEnding: (length: number) => number;

  private constructor({ memory, hasBareLineEnding }: WasmExports) {
    // The memory never grows, so this view of it stays valid.
    this.memory = new Uint8Array(memory.buffer);
    this.hasBareLineEnding = hasBareLineEnding;
  }

  /**
   * The process's detector, or `null` where WebAssembly with SIMD is not available (`--jitless`,
   * an old engine): the scanner then does all the work in JavaScript, only slower.
   */
  static get shared(): BareLineEndingDetector | null {
    if (sharedDetector === undefined) sharedDetector = BareLineEndingDetector.load();
    return sharedDetector;
  }

  private static load(): BareLineEndingDetector | null {
    try {
      const module = new WebAssembly.Module(Buffer.from(BARE_LINE_ENDING_WASM, 'base64'));
      return new BareLineEndingDetector(new WebAssembly.Instance(module).exports);
    } catch {
      return null;
    }
  }

  /**
   * Whether every CR and LF of `chunk` is part of a CRLF, `crBefore` saying whether the byte
   * before the chunk was a CR. A CR that ends the chunk is not judged: its LF may open the next.
   */
  isClean(chunk: Buffer, crBefore: boolean): boolean {
    if (crBefore && chunk[0] !== LF) return false;
    for (let from = 0; from < chunk.length; from += WINDOW) {
      const to = Math.min(from + WINDOW, chunk.length);
      if (!this.isWindowClean(chunk, from, to, from === 0 ? (crBefore ? CR : 0) : chunk[from - 1])) return false;
    }
    return true;
  }

  private isWindowClean(chunk: Buffer, from: number, to: number, byteBefore: number): boolean {
    const memory = this.memory;
    const length = to - from;
    const end = DATA_AT + length;
    memory[DATA_AT - 1] = byteBefore;
    memory.set(chunk.subarray(from, to), DATA_AT);
    memory.fill(0, end, end + PADDING + 1);
    // The byte after the window matters only after a CR: it must be the LF (a later window's
    // first byte, or the next chunk's, which the caller judges). A CR there would be read as bare.
    if (chunk[to - 1] === CR) memory[end] = to === chunk.length || chunk[to] === LF ? LF : 0;
    return this.hasBareLineEnding(length) === 0;
  }
}

let sharedDetector: BareLineEndingDetector | null | undefined;
