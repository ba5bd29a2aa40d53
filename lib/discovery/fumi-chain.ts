import type { SmtpContext } from '../context/smtp.context.js';
import { MESSAGES } from '../fumi.messages.js';
import type { FumiHandler } from './fumi-handler.interface.js';
import { isPromiseLike, type MaybePromise } from '../execution/maybe-async.js';

/**
 * A phase's handlers composed into one function, Koa-style. It returns nothing when every
 * handler returned at once, a promise otherwise, and may throw.
 */
export type FumiChain = (ctx: SmtpContext) => MaybePromise<void>;

/**
 * Composes handlers as fumi composes middleware: `1 before → 2 before → 3 → 2 after → 1 after`.
 * A handler that declares `next` decides when (and whether) the rest runs; one that does not
 * is followed by the rest once it has returned. Built once per phase at bootstrap. The chain
 * stays synchronous for as long as its handlers do.
 */
export function composeChain(handlers: readonly FumiHandler[]): FumiChain {
  const single = handlers.length === 1;
  const dispatch = (ctx: SmtpContext, index: number): MaybePromise<void> => {
    const handler = handlers[index];
    if (!handler) return;
    let called = false;
    // what handlers get: always a promise, as in fumi and Koa
    const next = (): Promise<void> => {
      if (called) return Promise.reject(new Error(MESSAGES.nextCalledTwice(handler.phase)));
      called = true;
      try {
        return Promise.resolve(dispatch(ctx, index + 1));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const result = handler.invoke(ctx, next);
    // A phase's only handler: its own outcome is the chain's, which nobody but the phase runner
    // awaits (no `next()` resolves to it), so no further promise is needed.
    if (single) {
      if (!handler.declaresNext) called = true;
      return isPromiseLike(result) ? (Promise.resolve(result) as Promise<void>) : undefined;
    }
    // One that does not declare `next` is followed by the rest once it has returned. (One
    // closure per handler: a chain runs for every command.)
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(() => {
        if (handler.declaresNext || called) return;
        called = true;
        return dispatch(ctx, index + 1);
      });
    }
    if (handler.declaresNext || called) return;
    called = true;
    return dispatch(ctx, index + 1);
  };
  return (ctx) => dispatch(ctx, 0);
}
