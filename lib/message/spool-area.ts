import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The folder, inside the spool directory, that holds one folder per running server. */
const AREA = 'nestjs-fumi-spool';
const HEARTBEAT = 'alive';
/** How often a server marks its folder as alive. */
const HEARTBEAT_MS = 10_000;
/** A folder not marked for this long belongs to no running server: its files are left from a crash. */
const STALE_MS = 3 * HEARTBEAT_MS;
/** How often the other servers' folders are looked at again. */
const SWEEP_MS = 60_000;
/** Spool files of earlier releases, written straight into the spool directory. */
const EARLIER_FILE = /^nestjs-fumi-\d+-[0-9a-f]{16}\.eml$/;
/** Longer than a session may last (`maxSessionDuration`'s default): such a file has no writer left. */
const EARLIER_FILE_STALE_MS = 60 * 60_000;

/**
 * Where one server keeps its messages' spool files: a folder of its own inside the spool
 * directory, marked alive while the server runs. Spool files left by a crash are removed at start
 * and every minute: the folders of servers that have stopped marking theirs, never any other file
 * of the directory. Liveness is a recent mark, not a process id, so it holds where every restart
 * gets the same pid (containers) and where instances share the directory.
 */
export class SpoolArea {
  private heartbeat?: NodeJS.Timeout;
  private sweeper?: NodeJS.Timeout;

  private constructor(
    private readonly root: string,
    /** This server's folder: spool files go here. */
    readonly directory: string,
    private readonly swept: (files: number) => void,
  ) {}

  /** Makes this server's folder under `spoolDirectory` and sweeps what crashed servers left. */
  static async open(spoolDirectory: string, swept: (files: number) => void): Promise<SpoolArea> {
    const root = join(spoolDirectory, AREA);
    const area = new SpoolArea(root, join(root, randomBytes(8).toString('hex')), swept);
    await mkdir(area.directory, { recursive: true, mode: 0o700 });
    await writeFile(join(area.directory, HEARTBEAT), '');
    area.heartbeat = setInterval(() => void area.markAlive(), HEARTBEAT_MS).unref();
    area.sweeper = setInterval(() => void area.sweep(spoolDirectory).catch(() => undefined), SWEEP_MS).unref();
    await area.sweep(spoolDirectory);
    return area;
  }

  /** Removes this server's folder: called once its messages are all answered. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.sweeper);
    await rm(this.directory, { recursive: true, force: true });
  }

  private async markAlive(): Promise<void> {
    const now = new Date();
    await utimes(join(this.directory, HEARTBEAT), now, now).catch(() => undefined);
  }

  private async sweep(spoolDirectory: string): Promise<void> {
    const now = Date.now();
    let files = 0;
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      const folder = join(this.root, name);
      if (folder === this.directory) continue;
      const marked = await stat(join(folder, HEARTBEAT)).catch(() => stat(folder).catch(() => undefined));
      if (!marked || now - marked.mtimeMs < STALE_MS) continue;
      files += (await readdir(folder).catch(() => [] as string[])).filter((file) => file !== HEARTBEAT).length;
      await rm(folder, { recursive: true, force: true });
    }
    for (const name of await readdir(spoolDirectory).catch(() => [] as string[])) {
      if (!EARLIER_FILE.test(name)) continue;
      const file = join(spoolDirectory, name);
      const info = await stat(file).catch(() => undefined);
      if (info && now - info.mtimeMs >= EARLIER_FILE_STALE_MS && (await unlink(file).then(() => true, () => false))) files++;
    }
    if (files) this.swept(files);
  }
}
