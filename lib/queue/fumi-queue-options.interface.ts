import type { ConnectionOptions, JobsOptions } from 'bullmq';

/**
 * Options of `FumiQueueModule.forRoot()`: where accepted messages are handed off.
 *
 * @example
 * FumiQueueModule.forRoot({
 *   connection: { host: 'redis', port: 6379 },
 *   spoolDirectory: '/var/spool/fumi', // shared with the workers, on durable storage
 * })
 */
export interface FumiQueueModuleOptions {
  /** BullMQ's connection: ioredis options (`{ host, port, ... }`) or an ioredis client. */
  connection: ConnectionOptions;
  /** The BullMQ queue's name (no `:`). Default `'fumi-inbound'`. */
  queueName?: string;
  /** BullMQ's key prefix in Redis. Default BullMQ's (`'bull'`). */
  prefix?: string;
  /**
   * Where messages larger than `inlineLimit` are written (and fsynced) before their job is
   * queued; the job then carries the file's path. It must survive restarts and be readable
   * by the workers (a shared volume when they run elsewhere). Without it every message is
   * kept in Redis, inside its job, whatever its size.
   */
  spoolDirectory?: string;
  /**
   * Bytes up to which a message travels inside its job (base64 in Redis); larger ones go to
   * `spoolDirectory`. Only with `spoolDirectory`. Default 256 KiB.
   */
  inlineLimit?: number;
  /**
   * BullMQ options for every job (`attempts`, `backoff`, `removeOnComplete`, ...). `jobId` is
   * the message id, always. Default: BullMQ's.
   */
  jobOptions?: Omit<JobsOptions, 'jobId'>;
}
