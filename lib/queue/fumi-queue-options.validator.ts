import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { FumiQueueOptionsError } from './fumi-queue-options.error.js';
import type { FumiQueueModuleOptions } from './fumi-queue-options.interface.js';

const KEYS = ['connection', 'queueName', 'prefix', 'spoolDirectory', 'inlineLimit', 'jobOptions'] as const;

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

/** Refuses, at bootstrap, options that would make the hand-off fail later, message after message. */
export function validateFumiQueueOptions(options: FumiQueueModuleOptions): void {
  const fail = (option: string, problem: string): never => {
    throw new FumiQueueOptionsError(option, problem);
  };
  if (typeof options !== 'object' || options === null) fail('options', `must be an object, got ${show(options)}`);
  const unknown = Object.keys(options).find((key) => !(KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) fail(unknown, `is not a known option (known: ${KEYS.join(', ')})`);
  if (typeof options.connection !== 'object' || options.connection === null) {
    fail('connection', 'is required: ioredis options ({ host, port }) or an ioredis client');
  }
  const { queueName, prefix, spoolDirectory, inlineLimit, jobOptions } = options;
  if (queueName !== undefined && (typeof queueName !== 'string' || !queueName || queueName.includes(':'))) {
    fail('queueName', `must be a non-empty string without ":", got ${show(queueName)}`);
  }
  if (prefix !== undefined && (typeof prefix !== 'string' || !prefix)) fail('prefix', `must be a non-empty string, got ${show(prefix)}`);
  if (spoolDirectory !== undefined && (typeof spoolDirectory !== 'string' || !spoolDirectory)) {
    fail('spoolDirectory', `must be a directory path, got ${show(spoolDirectory)}`);
  }
  if (inlineLimit !== undefined) {
    if (typeof inlineLimit !== 'number' || !Number.isInteger(inlineLimit) || inlineLimit < 0) {
      fail('inlineLimit', `must be a whole number of bytes from 0, got ${show(inlineLimit)}`);
    }
    if (spoolDirectory === undefined) {
      fail('inlineLimit', 'needs "spoolDirectory": without one, every message is kept in Redis and there is no limit to set');
    }
  }
  if (jobOptions !== undefined) {
    if (typeof jobOptions !== 'object' || jobOptions === null) fail('jobOptions', `must be BullMQ job options, got ${show(jobOptions)}`);
    if ('jobId' in jobOptions) fail('jobOptions.jobId', 'is the message id, set per message: use enqueue(ctx, { messageId })');
  }
}

/** The spool directory must exist and be writable now, not at the first large message. */
export async function checkSpoolDirectory(directory: string): Promise<void> {
  try {
    if (!(await stat(directory)).isDirectory()) throw new Error('not a directory');
    await access(directory, constants.W_OK);
  } catch (error) {
    throw new FumiQueueOptionsError('spoolDirectory', `must be a writable directory: ${directory}: ${(error as Error).message}`);
  }
}
