/** What the Redis integration says in its errors. */
export const REDIS_MESSAGES = {
  transactionAborted: (key: string) => `Redis aborted the MULTI transaction for counter "${key}"`,
} as const;
