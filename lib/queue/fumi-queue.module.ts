import { Module } from '@nestjs/common';
import { FumiQueue } from './fumi-queue.service.js';
import { FumiQueueConfigurableModule } from './fumi-queue.module-definition.js';

/**
 * Durable hand-off of accepted messages to a BullMQ queue: `@OnData()` handlers call
 * `FumiQueue.enqueue(ctx)`, and the client gets 250 only once Redis has the job (and, for large
 * messages, the disk has the body). Workers anywhere read jobs back with `readQueuedMessage()`.
 * Needs the `bullmq` peer dependency. Global, like `FumiModule`.
 *
 * @example
 * \@Module({
 *   imports: [
 *     FumiModule.forRoot({ port: 25 }),
 *     FumiQueueModule.forRoot({ connection: { host: 'redis', port: 6379 }, spoolDirectory: '/var/spool/fumi' }),
 *   ],
 *   providers: [Inbound],
 * })
 * export class AppModule {}
 *
 * \@Injectable()
 * export class Inbound {
 *   constructor(private readonly queue: FumiQueue) {}
 *   \@OnData() handOff(\@Ctx() ctx: DataContext) {
 *     return this.queue.enqueue(ctx);
 *   }
 * }
 */
@Module({ providers: [FumiQueue], exports: [FumiQueue] })
export class FumiQueueModule extends FumiQueueConfigurableModule {}
