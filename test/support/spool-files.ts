import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The message spool files servers keep under `spoolDirectory` (each in a folder of its own), by name. */
export async function spoolFiles(spoolDirectory: string): Promise<string[]> {
  const area = join(spoolDirectory, 'nestjs-fumi-spool');
  const folders = await readdir(area).catch(() => [] as string[]);
  const files = await Promise.all(folders.map((folder) => readdir(join(area, folder)).catch(() => [] as string[])));
  return files.flat().filter((name) => name.endsWith('.eml'));
}
