import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
/** Inside the project (so that imports find node_modules), ignored by git and jest. */
const OUT_DIR = join(ROOT, 'dist', 'test-fixtures');

/**
 * Compiles a fixture program (and the library files it imports) with tsc, for tests that run
 * it as a process of its own: Node runs JavaScript, and our decorators need tsc's emit.
 * Returns the path of the compiled entry.
 */
export async function compileFixture(entry: string): Promise<string> {
  await mkdir(OUT_DIR, { recursive: true });
  const tsconfig = join(OUT_DIR, 'tsconfig.json');
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: relative(OUT_DIR, join(ROOT, 'tsconfig.json')),
      compilerOptions: { rootDir: relative(OUT_DIR, ROOT), outDir: '.', types: ['node'], declaration: false, sourceMap: false },
      files: [relative(OUT_DIR, resolve(ROOT, entry))],
      include: [],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', tsconfig], { cwd: ROOT }).catch((error: { stdout?: string; message: string }) => {
    throw new Error(`tsc failed for ${entry}:\n${error.stdout ?? error.message}`);
  });
  return join(OUT_DIR, relative(ROOT, resolve(ROOT, entry))).replace(/\.ts$/, '.js');
}
