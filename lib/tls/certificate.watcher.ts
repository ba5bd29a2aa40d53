import { stat } from 'node:fs/promises';
import { fileStamp } from './file-stamp.js';

/** `watchCertificates` checks the files this often unless told otherwise (ms). */
export const DEFAULT_CERTIFICATE_WATCH_INTERVAL = 5_000;

/**
 * A renewal writes the key and the certificate one after the other: wait this long after a
 * change before reloading. A reload that still meets a half-written pair fails, keeps the
 * current certificates, and the next change tries again.
 */
const SETTLE_MS = 100;

/**
 * Watches certificate files and calls `onChange` when one of them is no longer the version
 * that was loaded.
 *
 * It polls with `stat` rather than using `fs.watch`: renewals (certbot, cert-manager, Caddy)
 * replace files by rename or re-point symlinks, which an inotify-style watch on the old inode
 * never reports, while a stat of the path always sees the file it names now. It compares with
 * the stamps taken when the files were read, not with its own previous poll, so a change made
 * between loading and the first poll is not missed. The timer never keeps the process alive.
 */
export class CertificateWatcher {
  private stamps = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private settle?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly interval: number,
    private readonly onChange: () => void,
  ) {}

  /** Watches `files` (path → stamp when it was read) from now on, in place of what it watched. */
  watch(files: ReadonlyMap<string, string>): void {
    this.stamps = new Map(files);
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.interval);
    this.timer.unref();
  }

  /** Stops watching. */
  close(): void {
    clearInterval(this.timer);
    clearTimeout(this.settle);
    this.timer = undefined;
    this.stamps.clear();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      let changed = false;
      for (const [path, stamp] of this.stamps) {
        const now = fileStamp(await stat(path).catch(() => undefined));
        if (now === stamp) continue;
        // Remember what was seen, so that a reload that fails is retried at the next change
        // only, not at every poll.
        this.stamps.set(path, now);
        changed = true;
      }
      if (changed && this.timer) {
        clearTimeout(this.settle);
        this.settle = setTimeout(this.onChange, SETTLE_MS);
        this.settle.unref();
      }
    } finally {
      this.polling = false;
    }
  }
}
