/**
 * `nestjs-fumi/queue`: durable hand-off of accepted messages to BullMQ (needs the `bullmq` peer
 * dependency), and the worker-side helpers to read them back.
 */
export { FumiQueueModule } from './fumi-queue.module.js';
export { FumiQueue } from './fumi-queue.service.js';
export { FUMI_QUEUE_OPTIONS } from './fumi-queue.module-definition.js';
export type { FumiQueueModuleOptions } from './fumi-queue-options.interface.js';
export type { EnqueueOptions, QueuedMessage, QueuedMessageReceipt } from './queued-message.interface.js';
export { discardQueuedMessage, openQueuedMessage, readQueuedMessage, type ReadQueuedMessageOptions } from './queued-message.reader.js';
export { DEFAULT_INLINE_LIMIT, DEFAULT_QUEUE_NAME, FUMI_QUEUE_JOB_NAME } from './fumi-queue.constants.js';
export { FumiQueueOptionsError } from './fumi-queue-options.error.js';
