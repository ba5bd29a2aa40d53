// Type-checks the TypeScript blocks of the project's Markdown against the installed nestjs-fumi.
//
//   node check-blocks.mjs [--root <project root>]
//
// Every ```ts / ```typescript block of README.md, docs/*.md and sample/README.md is written to
// blocks/<markdown file>/L<line>.ts (its own module), then tsc checks them all; errors are
// reported at the Markdown file and line. Info-string words after the language:
//   fragment        a deliberately partial block: not checked, only counted
//   file=<name.ts>  written as blocks/<markdown file>/<name.ts> instead, so that other blocks
//                   of the same Markdown file can import it ('./<name>.js')
// Exits with tsc's verdict; the last line says how many blocks were checked.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const rootFlag = process.argv.indexOf('--root');
const root = resolve(rootFlag === -1 ? join(here, '..', '..', '..') : process.argv[rootFlag + 1]);
const out = join(here, 'blocks');

const sources = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
  'sample/README.md',
].filter((source) => existsSync(join(root, source)));

/** The fenced blocks of one Markdown text: language, info-string words, first content line (1-based), text. */
function fencedBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, language, rest] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j];
      const trimmed = line.trimStart();
      if (trimmed.startsWith(fence[0].repeat(fence.length)) && /^[`~]+\s*$/.test(trimmed)) break;
      // content inside a list item is indented like its fence
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    blocks.push({ language, words: rest.trim().split(/\s+/).filter(Boolean), line: i + 2, indent: indent.length, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

rmSync(out, { recursive: true, force: true });
/** Written file (relative to here) → where its first line is in the Markdown. */
const origin = new Map();
const fragments = [];
let checked = 0;
const problems = [];

for (const source of sources) {
  const names = new Set();
  for (const block of fencedBlocks(readFileSync(join(root, source), 'utf8'))) {
    if (block.language !== 'ts' && block.language !== 'typescript') continue;
    if (block.words.includes('fragment')) {
      fragments.push(`${source}:${block.line - 1}`);
      continue;
    }
    const named = block.words.find((word) => word.startsWith('file='))?.slice('file='.length);
    const name = named ?? `L${block.line - 1}.ts`;
    if (!/^[\w.-]+\.ts$/.test(name)) problems.push(`${source}:${block.line - 1}: file=${named} must be a plain name ending in .ts`);
    if (names.has(name)) problems.push(`${source}:${block.line - 1}: another block of ${source} is already ${name}`);
    names.add(name);
    const file = join(out, source, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${block.text}\n`);
    origin.set(relative(here, file), { source, line: block.line, indent: block.indent });
    checked++;
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(2);
}

const tsc = spawnSync(process.execPath, [join(here, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.json'), '--pretty', 'false'], {
  cwd: here,
  encoding: 'utf8',
});
// tsc names the written file; the reader needs the Markdown line it came from.
const report = `${tsc.stdout}${tsc.stderr}`.replace(/^(blocks\/[^(\n]+\.ts)\((\d+),(\d+)\)/gm, (whole, file, line, column) => {
  const at = origin.get(file);
  if (!at) return whole;
  return `${at.source}:${at.line + Number(line) - 1}:${at.indent + Number(column)} [${file}]`;
});
if (report.trim()) console.log(report.trimEnd());
for (const fragment of fragments) console.log(`fragment (not checked): ${fragment}`);
console.log(`docs examples: ${checked} blocks checked, ${fragments.length} fragments, from ${sources.length} Markdown files`);
process.exit(tsc.status === 0 ? 0 : 1);
