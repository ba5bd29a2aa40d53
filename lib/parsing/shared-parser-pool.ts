import { MessageParserPool } from './message-parser.pool.js';

let shared: MessageParserPool | undefined;

/** The process's pool for `ctx.parse({ pool: true })`: made on first use; its idle workers end by themselves. */
export function sharedParserPool(): MessageParserPool {
  shared ??= new MessageParserPool();
  return shared;
}
