import type { Stats } from 'node:fs';

/**
 * What tells one version of a file from the next: its inode (renewals that write a new file
 * and rename it over the old one, or re-point a symlink), size and modification time (in-place
 * rewrites). `'missing'` for a file that is not there.
 */
export function fileStamp(stats: Stats | undefined): string {
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}` : 'missing';
}
