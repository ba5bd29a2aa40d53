import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const OPTIONAL_PEERS = ['ioredis', 'bullmq', '@nestjs/terminus', 'prom-client', 'mailauth'];

/** Every module a file loads at run time, transitively: value imports and re-exports (type-only ones are erased). */
function runtimeImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  }
  return { files, packages };
}

describe('entry points', () => {
  it('keep the optional integrations out of the main entry and the testing helpers', () => {
    // the walk reaches deep: the server and its engine are found
    expect(runtimeImports('lib/index.ts').files).toContain(join(ROOT, 'lib/proxy/proxy-protocol.listener.ts'));
    expect(runtimeImports('lib/index.ts').packages).toContain('smtp-server');
    for (const entry of ['lib/index.ts', 'lib/testing/index.ts']) {
      const { packages } = runtimeImports(entry);
      for (const peer of OPTIONAL_PEERS) expect([entry, packages.has(peer)]).toEqual([entry, false]);
    }
  });

  it.each([
    ['lib/redis/index.ts', []],
    ['lib/queue/index.ts', ['bullmq']],
    ['lib/health/index.ts', ['@nestjs/terminus']],
    ['lib/metrics/index.ts', ['prom-client']],
    ['lib/mail-auth/index.ts', ['mailauth']],
    ['lib/rspamd/index.ts', []],
  ])('%s loads only the optional peers it is for: %j', (entry, expected) => {
    const { packages } = runtimeImports(entry);
    expect(OPTIONAL_PEERS.filter((peer) => packages.has(peer))).toEqual(expected);
  });

  it('are all listed in package.json exports, as ESM and CommonJS with types for each, and in typesVersions', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      typesVersions: Record<string, Record<string, string[]>>;
    };
    for (const name of ['testing', 'redis', 'queue', 'health', 'metrics', 'mail-auth', 'rspamd']) {
      expect(manifest.exports[`./${name}`]).toEqual({
        import: { types: `./dist/esm/${name}/index.d.ts`, default: `./dist/esm/${name}/index.js` },
        require: { types: `./dist/cjs/${name}/index.d.ts`, default: `./dist/cjs/${name}/index.js` },
      });
      expect(manifest.typesVersions['*']![name]).toEqual([`./dist/cjs/${name}/index.d.ts`]);
    }
  });

  describe('nestjs-fumi/mail-auth', () => {
    it('checks the Node version before anything else loads, mailauth included', () => {
      const source = readFileSync(join(ROOT, 'lib/mail-auth/index.ts'), 'utf8');
      expect(/^(?:import|export)\s[^;]*?['"]([^'"]+)['"]/m.exec(source)?.[1]).toBe('./node-version.check.js');
    });

    it.each([
      ['20.19.0', 1],
      ['22.18.9', 1],
      ['22.19.0', 0],
      ['26.0.0', 0],
    ])('on Node %s exits %i, naming the requirement when it refuses', (version, status) => {
      const fake = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${version}' } });`;
      const check = join(ROOT, 'lib/mail-auth/node-version.check.ts');
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', `${fake} await import(${JSON.stringify(check)});`], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(status);
      if (status) expect(run.stderr).toContain(`nestjs-fumi/mail-auth needs Node.js >= 22.19.0 (its mailauth dependency does); this is Node.js ${version}`);
    });
  });
});
