import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { DataContext } from '../context/data.context.js';
import { REPLIES } from '../fumi.messages.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import { writeDurably } from './durable-spool.js';
import { sweepQueueSpool } from './spool-sweep.js';
import { DEFAULT_INLINE_LIMIT, DEFAULT_QUEUE_NAME, FUMI_QUEUE_JOB_NAME } from './fumi-queue.constants.js';
import { QUEUE_MESSAGES, QUEUE_REPLIES } from './fumi-queue.messages.js';
import { FUMI_QUEUE_OPTIONS } from './fumi-queue.module-definition.js';
import type { FumiQueueModuleOptions } from './fumi-queue-options.interface.js';
import { checkSpoolDirectory, validateFumiQueueOptions } from './fumi-queue-options.validator.js';
import type { EnqueueOptions, QueuedMessage, QueuedMessageReceipt } from './queued-message.interface.js';

/**
 * Hands accepted messages to a BullMQ queue, durably: `enqueue()` resolves only once Redis has
 * acknowledged the job, and the body of a large message is on disk (fsynced) before that. An
 * `@OnData()` handler that awaits it therefore answers 250 only for a message that survives
 * this process; when the hand-off fails the client gets `451 4.3.0` and tries again later.
 */
/** How long a readiness answer stands, so that a flood of health checks is one Redis round trip a second. */
const READINESS_CACHE_MS = 1000;
/** A Redis that has not answered by then counts as unreachable. */
const READINESS_TIMEOUT_MS = 1000;

@Injectable()
export class FumiQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FumiQueue.name);
  /** The sweep of bodies a crash left in the spool directory, started at init: how many it removed. */
  swept: Promise<number> = Promise.resolve(0);
  /** The last readiness probe, shared by the checks that come within `READINESS_CACHE_MS`. */
  private probe?: { readonly at: number; readonly ready: Promise<boolean> };
  /** The BullMQ queue, for what `enqueue()` does not cover (counts, pausing, a dashboard). */
  readonly queue: Queue<QueuedMessage>;
  private readonly spoolDirectory?: string;
  private readonly inlineLimit: number;

  constructor(@Inject(FUMI_QUEUE_OPTIONS) options: FumiQueueModuleOptions) {
    validateFumiQueueOptions(options);
    this.spoolDirectory = options.spoolDirectory;
    this.inlineLimit = options.spoolDirectory ? (options.inlineLimit ?? DEFAULT_INLINE_LIMIT) : Number.POSITIVE_INFINITY;
    this.queue = new Queue<QueuedMessage>(options.queueName ?? DEFAULT_QUEUE_NAME, {
      connection: options.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      ...(options.jobOptions ? { defaultJobOptions: options.jobOptions } : {}),
    });
    // An EventEmitter 'error' nobody hears ends the process; a Redis outage must only mean 451s.
    this.queue.on('error', (error: Error) => this.logger.warn(error.message));
  }

  /** Its name in health results (`nestjs-fumi/health`'s `areDependenciesHealthy()`). */
  get dependencyName(): string {
    return `queue ${this.queue.name}`;
  }

  /**
   * Whether Redis answers now (within a second): a round trip on the queue's own connection,
   * at most one a second however often it is asked.
   */
  isReady(): Promise<boolean> {
    const now = Date.now();
    if (this.probe && now - this.probe.at < READINESS_CACHE_MS) return this.probe.ready;
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
      this.queue.getJobCounts('wait').then(
        () => resolve(true),
        () => resolve(false),
      ).finally(() => clearTimeout(timer));
    });
    this.probe = { at: now, ready };
    return ready;
  }

  async onModuleInit(): Promise<void> {
    const directory = this.spoolDirectory;
    if (!directory) return;
    try {
      await checkSpoolDirectory(directory);
    } catch (error) {
      // Bootstrap stops here and no shutdown hook will run: the queue's connection must not outlive it.
      await this.queue.close();
      throw error;
    }
    // In the background: it asks Redis, which must not hold the start-up.
    this.swept = sweepQueueSpool(directory, async (id) => (await this.queue.getJob(id)) !== undefined).then(
      (removed) => {
        if (removed) this.logger.log(QUEUE_MESSAGES.spoolSwept(removed, directory));
        return removed;
      },
      (error: unknown) => {
        this.logger.warn(QUEUE_MESSAGES.spoolSweepFailed(directory, error));
        return 0;
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // After the servers' shutdown (they close in onModuleDestroy): no message is still being handed off.
    await this.queue.close();
  }

  /**
   * Queues the message of an `@OnData()` handler's context, with its envelope and how it
   * arrived, and resolves once the job is safely in Redis. Await it before the handler
   * returns: the 250 is then a promise kept.
   *
   * Waits for the whole message. A message over the server's `size` is refused (552), not
   * queued. When Redis or the disk fails, throws the `451 4.3.0` reply (and logs why).
   */
  async enqueue<TState extends object, TUser>(ctx: DataContext<TState, TUser>, options: EnqueueOptions = {}): Promise<QueuedMessageReceipt> {
    if (!(ctx instanceof DataContext)) throw new TypeError(QUEUE_MESSAGES.notInData(String((ctx as { phase?: unknown }).phase)));
    const session = ctx.session;
    const messageId = options.messageId ?? `${session.id}-${session.transaction}`;
    if (typeof messageId !== 'string' || !messageId || messageId.includes(':')) throw new TypeError(QUEUE_MESSAGES.badMessageId(messageId));
    await ctx.received();
    if (ctx.sizeExceeded) throw SmtpException.of(REPLIES.tooLarge);

    let spooledPath: string | undefined;
    try {
      const receivedAt = new Date();
      const stored = await this.storeBody(ctx, messageId);
      spooledPath = 'path' in stored.body ? stored.body.path : undefined;
      const { envelope } = session;
      const message: QueuedMessage = {
        version: 1,
        messageId,
        server: session.server.name,
        sessionId: session.id,
        transaction: session.transaction,
        receivedAt: receivedAt.toISOString(),
        client: {
          address: session.remoteAddress,
          port: session.remotePort,
          ...(session.clientHostname ? { helo: session.clientHostname } : {}),
          ...(session.reverseHostname ? { reverseHostname: session.reverseHostname } : {}),
          ...(session.user !== undefined ? { user: describeUser(session.user) } : {}),
          ...(session.tls ? { tls: session.tls.version } : {}),
        },
        envelope: {
          mailFrom: envelope.mailFrom?.address ?? '',
          rcptTo: envelope.rcptTo.map((r) => r.address),
          bodyType: envelope.bodyType,
          smtpUtf8: envelope.smtpUtf8,
        },
        receivedHeader: ctx.receivedHeader({ date: receivedAt }),
        size: ctx.byteLength,
        sha256: stored.sha256,
        body: stored.body,
        metadata: { ...options.metadata },
      };
      // The job id is the message id: BullMQ ignores a second add of the same id.
      await this.queue.add(FUMI_QUEUE_JOB_NAME, message, { jobId: messageId });
      return { messageId, storage: spooledPath ? 'file' : 'inline' };
    } catch (error) {
      if (spooledPath) await unlink(spooledPath).catch(() => undefined);
      this.logger.warn(QUEUE_MESSAGES.enqueueFailed(messageId, error));
      const { code, enhanced, text } = QUEUE_REPLIES.unavailable;
      throw new SmtpException(text, code, enhanced);
    }
  }

  /** Small bodies go inside the job; large ones to a synced file whose path the job carries. */
  private async storeBody(ctx: DataContext<object, unknown>, messageId: string): Promise<Pick<QueuedMessage, 'body' | 'sha256'>> {
    if (this.spoolDirectory && ctx.byteLength > this.inlineLimit) {
      const { path, sha256 } = await writeDurably(this.spoolDirectory, messageId, ctx.stream);
      return { body: { path }, sha256 };
    }
    const body = await ctx.buffer();
    return { body: { inline: body.toString('base64') }, sha256: createHash('sha256').update(body).digest('hex') };
  }
}

/** A user as a short string: objects by their usual identifying field, never serialized whole. */
function describeUser(user: unknown): string {
  if (typeof user === 'object' && user !== null) {
    const { id, username, name } = user as Record<string, unknown>;
    return String(id ?? username ?? name ?? '[user]');
  }
  return String(user);
}
