import { Inject, Injectable, Logger, type OnApplicationBootstrap, Optional, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { FumiQueue } from '../lib/queue/index.js';
import { timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { AuthContext, Ctx, DataContext, Envelope, OnAuth, OnData, OnMailFrom, OnRcptTo } from '../lib/index.js';
import { traceHeaders } from './filtering/trace-headers.js';
import { MaildirStore } from './maildir.store.js';
import { BlockedSenderGuard } from './policy/blocked-sender.guard.js';
import { MailboxesPipe } from './policy/mailboxes.pipe.js';
import { RelayGuard } from './policy/relay.guard.js';
import { SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';
import { StorageErrorFilter } from './storage-error.filter.js';
import { TransactionLogInterceptor } from './transaction-log.interceptor.js';

/** Compares in constant time, so response timing does not reveal how much of a password matched. */
function samePassword(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * An inbound MX for the local domains that also takes mail from its users for elsewhere.
 * Policy lives in guards, routing in a pipe, logging in an interceptor, storage errors in a filter.
 */
@Injectable()
export class MailHandlers implements OnApplicationBootstrap {
  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly maildir: MaildirStore,
    /** Set when QUEUE_REDIS_URL is: workers deliver from the queue instead. */
    @Optional() @Inject(FumiQueue) private readonly queue: FumiQueue | null,
  ) {}

  /** Says where accepted mail goes, so that an operator never has to guess from the environment. */
  onApplicationBootstrap(): void {
    const { queueRedisUrl, queueName, maildir } = this.config;
    const where = queueRedisUrl
      ? `the BullMQ queue "${queueName}" on ${new URL(queueRedisUrl).host}`
      : `the Maildir at ${resolve(maildir)}`;
    new Logger('Delivery').log(`Accepted mail goes to ${where}`);
  }

  @OnAuth()
  login(@Ctx() ctx: AuthContext<Record<string, unknown>, string>) {
    const { username, password } = ctx.credentials;
    const expected = this.config.users.get(username);
    if (expected === undefined || !samePassword(password, expected)) ctx.reject('Authentication failed', 535, '5.7.8');
    ctx.accept(username);
  }

  @UseGuards(BlockedSenderGuard)
  @OnMailFrom()
  sender() {
    // the guard decides; nothing else to check here
  }

  @UseGuards(RelayGuard)
  @OnRcptTo()
  recipient() {
    // the guard decides; a refused recipient leaves the accepted ones alone
  }

  @UseInterceptors(TransactionLogInterceptor)
  @UseFilters(StorageErrorFilter)
  @OnData()
  async store(@Ctx() ctx: DataContext, @Envelope(MailboxesPipe) mailboxes: string[]) {
    // the 250 waits for Redis to hold the job (and the disk, large bodies): it survives us
    if (this.queue) return void (await this.queue.enqueue(ctx, { metadata: { mailboxes: mailboxes.join(',') } }));
    const spooled = await this.maildir.spool(traceHeaders(ctx), ctx.stream);
    // over the size limit the module answers 552 whatever happens here: keep nothing
    if (ctx.sizeExceeded) return spooled.discard();
    await spooled.commit(mailboxes);
  }
}
