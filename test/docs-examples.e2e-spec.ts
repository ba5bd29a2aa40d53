import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CONSUMER = join(ROOT, 'test', 'consumers', 'docs');
/** Fewer than this and the extraction has gone wrong (a renamed file, a changed fence), not the docs. */
const MIN_CHECKED_BLOCKS = 30;

interface Outcome {
  readonly code: number;
  readonly output: string;
}

/** Runs a command to its end and keeps what it printed; never throws for a non-zero exit. */
function run(command: string, args: string[], cwd: string): Promise<Outcome> {
  return new Promise((done) => {
    const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, output: `${stdout}${stderr}${error && !stdout && !stderr ? error.message : ''}` });
    });
  });
}

async function succeed(command: string, args: string[], cwd: string): Promise<string> {
  const { code, output } = await run(command, args, cwd);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${code}) in ${cwd}:\n${output}`);
  return output;
}

describe('documentation examples', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'fumi-docs-'));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('every TypeScript block of README.md, docs/ and sample/README.md compiles against the packed package', async () => {
    // The tarball is what users install: its dist/ types, its exports map, its dependencies.
    await succeed('npm', ['pack', '--pack-destination', work], ROOT);
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball to ${work}`);

    const app = join(work, 'docs');
    await cp(CONSUMER, app, { recursive: true, filter: (path) => !['node_modules', 'blocks'].includes(basename(path)) });
    await succeed('npm', ['ci', '--prefer-offline'], app);
    await succeed('npm', ['install', '--no-save', '--prefer-offline', join(work, tarball)], app);

    const { code, output } = await run(process.execPath, ['check-blocks.mjs', '--root', ROOT], app);
    if (code !== 0) throw new Error(`documentation examples do not compile:\n${output}`);
    const checked = Number(/docs examples: (\d+) blocks checked/.exec(output)?.[1] ?? 0);
    expect(checked).toBeGreaterThanOrEqual(MIN_CHECKED_BLOCKS);
  }, 300_000);
});
