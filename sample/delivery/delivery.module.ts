import { Module } from '@nestjs/common';
import { FumiQueue } from '../../lib/queue/index.js';
import { ConfigModule } from '../config.module.js';
import { QUEUE_PROVIDER } from './queue.provider.js';

/** Where accepted mail goes beyond this process: the BullMQ queue, when `QUEUE_REDIS_URL` is set. */
@Module({
  imports: [ConfigModule],
  providers: [QUEUE_PROVIDER],
  exports: [FumiQueue],
})
export class DeliveryModule {}
