import type { SmtpContext } from './context/smtp.context.js';
import { MESSAGES } from './fumi.messages.js';
import type { FumiHandler } from './interfaces/fumi-handler.interface.js';

/** A phase's handlers composed into one function, Koa-style. */
export type FumiChain = (ctx: SmtpContext) => Promise<void>;

/**
 * Composes handlers as fumi composes middleware: `1 before → 2 before → 3 → 2 after → 1 after`.
 * A handler that declares `next` decides when (and whether) the rest runs; one that does not
 * is followed by the rest once it has returned. Built once per phase at bootstrap.
 */
export function composeChain(handlers: readonly FumiHandler[]): FumiChain {
  const dispatch = async (ctx: SmtpContext, index: number): Promise<void> => {
    const handler = handlers[index];
    if (!handler) return;
    let called = false;
    const next = (): Promise<void> => {
      if (called) return Promise.reject(new Error(MESSAGES.nextCalledTwice(handler.phase)));
      called = true;
      return dispatch(ctx, index + 1);
    };
    await handler.invoke(ctx, next);
    if (!handler.declaresNext && !called) await next();
  };
  return (ctx) => dispatch(ctx, 0);
}
