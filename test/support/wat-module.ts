import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

/**
 * The library embeds its WebAssembly as base64 so that it ships as plain JavaScript; the text
 * form next to it is the source. `npm run build:wasm` writes the embedded copy from the source,
 * and a test checks that the two still agree.
 */
export const WAT_SOURCE = fileURLToPath(new URL('../../lib/line-endings/bare-line-ending.wat', import.meta.url));
export const WASM_MODULE = fileURLToPath(new URL('../../lib/line-endings/bare-line-ending.wasm.ts', import.meta.url));

/** The binary module `source` compiles to. */
export async function compileWat(source = WAT_SOURCE): Promise<Buffer> {
  const compiler = await wabt();
  const parsed = compiler.parseWat(source, readFileSync(source, 'utf8'), { simd: true });
  try {
    parsed.validate();
    return Buffer.from(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

/** The TypeScript module that embeds `binary`. */
export function wasmModuleText(binary: Buffer): string {
  const lines = binary.toString('base64').match(/.{1,96}/g) ?? [];
  return [
    '// Written by `npm run build:wasm` from bare-line-ending.wat; edit that file, not this one.',
    '',
    '/** The compiled bare-line-ending.wat, as base64. */',
    'export const BARE_LINE_ENDING_WASM =',
    lines.map((line) => `  '${line}'`).join(' +\n') + ';',
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(WASM_MODULE, wasmModuleText(await compileWat()));
  console.log(`wrote ${WASM_MODULE}`);
}
