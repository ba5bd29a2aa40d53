import { Injectable } from '@nestjs/common';

/** Inbox file operations running at once: a large Maildir must never exhaust descriptors the SMTP server needs. */
export const INBOX_FILE_CONCURRENCY = 8;

/**
 * A counting semaphore shared by every file operation of the inbox (stats, header reads, parses,
 * downloads, deletions), so the number of files it holds open stays fixed however much is stored.
 */
@Injectable()
export class FileLimiter {
  readonly size = INBOX_FILE_CONCURRENCY;
  private active = 0;
  private waiting: (() => void)[] = [];
  /** Where the next waiter is in `waiting`: shifting a long array each time would be quadratic. */
  private head = 0;

  /** Runs `task` once a slot is free, and frees it when the task settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** Takes a slot; the returned function gives it back (once), for work that outlives one call, such as a stream. */
  async acquire(): Promise<() => void> {
    if (this.active < this.size) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  private release(): void {
    const next = this.waiting[this.head];
    if (!next) {
      this.active--;
      return;
    }
    this.waiting[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    next(); // the slot passes straight to the waiter
  }
}
