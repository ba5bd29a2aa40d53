/** The reply when a message cannot be handed off: temporary, so the client tries again later. */
export const QUEUE_REPLIES = {
  unavailable: { code: 451, enhanced: '4.3.0', text: 'Requested action aborted: message queue unavailable, try again later' },
} as const;

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What the queue integration says in logs and errors. */
export const QUEUE_MESSAGES = {
  spoolSwept: (files: number, directory: string) => `removed ${files} body file(s) a crash left in ${directory}`,
  spoolSweepFailed: (directory: string, error: unknown) => `could not sweep ${directory}: ${reason(error)}`,
  enqueueFailed: (messageId: string, error: unknown) => `could not queue message ${messageId}, answered 451: ${reason(error)}`,
  notInData: (phase: string) => `enqueue() takes the DataContext of an @OnData() handler, got a ${phase} context`,
  badMessageId: (id: string) => `enqueue(): messageId must be a non-empty string without ":" (BullMQ job ids), got ${JSON.stringify(id)}`,
  corrupt: (messageId: string, expected: string, actual: string) =>
    `queued message ${messageId} is damaged: its body's SHA-256 is ${actual}, the job says ${expected}`,
  unknownFormat: (version: unknown) => `not a queued message of a known format (version ${JSON.stringify(version)})`,
} as const;
