/** What a reader of a message whose transaction is over gets. */
export function messageGone(): Error {
  return new Error('the message is gone: its transaction is over');
}

/** Without a spool file, no reader read on while the client was held back for `ms`. */
export function stalled(ms: number): Error {
  return new Error(
    `with spoolDirectory: false the message waits on its readers, and none read on for ${ms} ms ` +
      '(read the streams as the message arrives, together, and await ctx.received() or buffer() only after)',
  );
}

/** The `code` of `readTooLate()`'s error, for a reader that can do without the message (a scan, say). */
export const READ_TOO_LATE = 'EREADTOOLATE';

/** What a reader opened too late gets, without a spool file. */
export function readTooLate(gone: number): Error {
  return Object.assign(
    new Error(
      `the message's first ${gone} bytes are gone: with spoolDirectory: false, a message past spoolThreshold ` +
        'can only be read by streams opened before its older bytes were read (open ctx.stream, buffer() and parse() first, or set a spoolDirectory)',
    ),
    { code: READ_TOO_LATE },
  );
}
