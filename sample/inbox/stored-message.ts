/** A message as found on disk: one file, hard-linked into each mailbox it was delivered to. */
export interface StoredMessage {
  /** The Maildir file name (without `:2,` flags), the same in every mailbox. */
  readonly id: string;
  /** The addresses of the mailboxes holding it, sorted. */
  readonly mailboxes: readonly string[];
  /** Every link to it (`<maildir>/<mailbox>/{new,cur}/<name>`); all are the same file. */
  readonly paths: readonly string[];
  readonly size: number;
  /** When it was stored: the file's modification time, in milliseconds since the epoch. */
  readonly receivedAt: number;
}

/** A place in the inbox's order: the receive time, then the id. */
export type ListPosition = Pick<StoredMessage, 'receivedAt' | 'id'>;

/** The inbox's order, newest first, ties broken by the larger id first: negative when `a` comes first. */
export function newestFirst(a: ListPosition, b: ListPosition): number {
  return b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
