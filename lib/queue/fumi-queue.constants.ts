/** The queue messages go to unless `queueName` says otherwise. */
export const DEFAULT_QUEUE_NAME = 'fumi-inbound';

/** The BullMQ job name of every queued message. */
export const FUMI_QUEUE_JOB_NAME = 'message';

/** Up to this many bytes a message travels inside its job (with a `spoolDirectory`). */
export const DEFAULT_INLINE_LIMIT = 256 * 1024;

/** Spool files: `<message id>.eml`, written as `.part` first and renamed once complete and synced. */
export const SPOOL_FILE_EXTENSION = '.eml';
