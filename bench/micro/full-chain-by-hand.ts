import type { INestApplicationContext, Type } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { defer, from, lastValueFrom, of } from 'rxjs';
import type { MailFromContext, NextFunction, SmtpContext } from '../../lib/index.js';
import { ConnectionLedger } from '../servers/full/connection-ledger.service.js';
import { DeliveryHandlers } from '../servers/full/delivery-handlers.js';
import { LoopbackOnlyGuard } from '../servers/full/loopback-only.guard.js';
import { PhaseCountingInterceptor } from '../servers/full/phase-counting.interceptor.js';
import { PolicyHandlers } from '../servers/full/policy-handlers.js';
import { SmtpContextPipe } from '../servers/full/smtp-context.pipe.js';
import { TimingHandlers } from '../servers/full/timing-handlers.js';

type Step = (ctx: SmtpContext, next: NextFunction) => unknown;

/** The full app's enhancers, and its three handler classes built for one connection by hand. */
function fullPieces(app: INestApplicationContext, ctx: MailFromContext) {
  const ledger = new ConnectionLedger(ctx.session);
  return {
    guard: app.get(LoopbackOnlyGuard),
    interceptor: app.get(PhaseCountingInterceptor),
    pipe: app.get(SmtpContextPipe),
    timing: new TimingHandlers(ledger),
    policy: new PolicyHandlers(ledger),
    delivery: new DeliveryHandlers(ledger),
  };
}

/**
 * The full variant's MAIL FROM with neither Nest nor this module in between: its guard,
 * interceptor and pipe and its three handlers, wired by hand the plain rxjs way
 * (`lastValueFrom` per handler, an `ExecutionContextHost` shared by the guard and the
 * interceptor). It is what the enhancers' and handlers' own code costs when someone writes the
 * glue themselves; the full chain's cost beyond it is the price of Nest's semantics and ours.
 */
export function fullMailFromByHand(app: INestApplicationContext, ctx: MailFromContext): () => Promise<void> {
  const { guard, interceptor, pipe, timing, policy, delivery } = fullPieces(app, ctx);
  const handlers: [instance: object, method: Step][] = [
    [timing, (context, next) => timing.time(pipe.transform(context), next)],
    [policy, (context) => policy.mailFrom(pipe.transform(context) as MailFromContext)],
    [delivery, (context) => delivery.note(pipe.transform(context))],
  ];

  // A handler that returns without calling `next` lets the chain go on, as in fumi.
  const run = (index: number): Promise<void> => {
    if (index === handlers.length) return Promise.resolve();
    const [instance, step] = handlers[index]!;
    let nextCalled = false;
    const next: NextFunction = () => {
      nextCalled = true;
      return run(index + 1);
    };
    const context = new ExecutionContextHost([ctx, next], instance.constructor as Type, step);
    context.setType('fumi');
    if (!guard.canActivate(context)) return Promise.reject(new Error('guard refused'));
    const handled = interceptor.intercept(context, { handle: () => defer(() => from(Promise.resolve(step(ctx, next)))) });
    return lastValueFrom(handled, { defaultValue: undefined }).then(() => (nextCalled ? undefined : run(index + 1)));
  };
  return () => run(0);
}

/**
 * The same pieces with no glue at all, a floor no dispatch can go under: each handler's guard,
 * interceptor (its stream subscribed at once, around nothing) and pipe called directly, then the
 * three handlers, the first awaiting the other two as its `next`.
 */
export function fullMailFromPiecesAlone(app: INestApplicationContext, ctx: MailFromContext): () => Promise<void> {
  const { guard, interceptor, pipe, timing, policy, delivery } = fullPieces(app, ctx);
  const instances = [timing, policy, delivery];
  const nothing = { handle: () => of(undefined) };
  const rest = (): Promise<void> => {
    policy.mailFrom(pipe.transform(ctx) as MailFromContext);
    delivery.note(pipe.transform(ctx));
    return Promise.resolve();
  };
  return () => {
    for (const instance of instances) {
      const context = new ExecutionContextHost([ctx, rest], instance.constructor as Type);
      context.setType('fumi');
      if (!guard.canActivate(context)) return Promise.reject(new Error('guard refused'));
      interceptor.intercept(context, nothing).subscribe();
    }
    return timing.time(pipe.transform(ctx), rest);
  };
}
