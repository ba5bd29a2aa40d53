import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DataContext } from '../context/data.context.js';
import { FumiExecutionContext } from '../execution/fumi-arguments-host.js';
import type { RspamdResult } from './rspamd-result.interface.js';
import { spamResultOf } from './spam-result.store.js';

/**
 * The rspamd result of the message (`RspamdResult`), in an `@OnData()` handler that runs after
 * the scan; `undefined` in other phases and for messages not scanned (see `spamResultOf()`).
 *
 * @example
 * \@OnData()
 * store(@Ctx() ctx: DataContext, @SpamResult() spam: RspamdResult | undefined) {
 *   const headers = spam ? Object.entries(spam.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('') : '';
 *   // write headers + ctx.receivedHeader() + ctx.stream to the mailbox
 * }
 */
export const SpamResult = createParamDecorator((_data: unknown, context: ExecutionContext): RspamdResult | undefined => {
  const ctx = FumiExecutionContext.create(context).getContext();
  return ctx instanceof DataContext ? spamResultOf(ctx) : undefined;
});
