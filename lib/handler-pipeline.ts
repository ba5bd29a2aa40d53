import type { ArgumentMetadata, CallHandler, PipeTransform } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { ParamsTokenFactory } from '@nestjs/core/pipes/params-token-factory.js';
import { AsyncResource } from 'node:async_hooks';
import { EmptyError, from, isObservable, mergeAll, Observable, type ObservableInput, Subscriber, type Subscription, type TeardownLogic } from 'rxjs';
import type { NextFunction, SmtpContext } from './context/smtp.context.js';
import type { ResolvedEnhancers, ResolvedParam } from './enhancer-recorder.js';
import { FUMI_CONTEXT_TYPE } from './fumi.constants.js';
import { asGuardDenial, guardDenial } from './guard-denial.js';
import { isPromiseLike, type MaybePromise } from './maybe-async.js';

/** One handler method behind its guards, interceptors, pipes and filters, for any instance. */
export type HandlerPipeline = (instance: object, ctx: SmtpContext, next: NextFunction) => MaybePromise<unknown>;

type HandlerMethod = (...args: unknown[]) => unknown;

/** A parameter with everything its pipes are given, worked out once. */
interface PipedParam {
  index: number;
  extractValue: (...args: unknown[]) => unknown;
  pipes: readonly PipeTransform[];
  metadata: ArgumentMetadata;
}

const paramTokens = new ParamsTokenFactory();

/**
 * Runs the enhancers Nest resolved for a handler in Nest's order and with Nest's semantics
 * (guards, then interceptors around pipes and the method, errors through the filters), but
 * stays synchronous for as long as they do. Nest's own pipeline awaits every step, which costs
 * several promises and microtask turns per enhancer and per command; with a guard, an
 * interceptor and a pipe on each handler, that was most of an SMTP transaction's CPU time.
 */
export function createHandlerPipeline(method: HandlerMethod, enhancers: ResolvedEnhancers): HandlerPipeline {
  const { guards, interceptors, exceptions } = enhancers;
  const params = enhancers.params.map((param) => pipedParam(param, enhancers.pipes));
  // As Nest: an argument list as long as the highest decorated index, gaps left undefined.
  const argsLength = params.reduce((max, param) => Math.max(max, param.index + 1), 0);

  const callMethod = (instance: object, args: FumiArgs): unknown => {
    // Without parameter decorators the method gets (ctx, next) as they are.
    if (params.length === 0) return method.apply(instance, args);
    const values = new Array<unknown>(argsLength).fill(undefined);
    let pending: Promise<unknown>[] | undefined;
    try {
      for (const param of params) {
        const value = applyPipes(param, args);
        if (isPromiseLike(value)) {
          (pending ??= []).push(Promise.resolve(value).then((settled) => (values[param.index] = settled)));
        } else values[param.index] = value;
      }
    } catch (error) {
      // The call fails with this error; an earlier parameter still settling (`@ParsedMail()`)
      // must not fail later as an unhandled rejection, which would end the process.
      for (const settling of pending ?? []) settling.catch(() => undefined);
      throw error;
    }
    return pending ? Promise.all(pending).then(() => method.apply(instance, values)) : method.apply(instance, values);
  };

  const runGuards = (context: ExecutionContextHost, ctx: SmtpContext, from: number): MaybePromise<void> => {
    for (let i = from; i < guards.length; i++) {
      const verdict = guards[i]!.canActivate(context);
      if (typeof verdict === 'boolean') {
        if (!verdict) throw guardDenial(ctx);
        continue;
      }
      return settleVerdict(verdict).then((allowed) => {
        if (!allowed) throw guardDenial(ctx);
        return runGuards(context, ctx, i + 1);
      });
    }
  };

  /**
   * Subscribes `subscriber` to interceptor `index` (or, past the last, to the method's result)
   * as Nest's interceptors consumer does, without its promise and deferral per step.
   */
  const subscribeFrom = (index: number, call: Call, subscriber: Subscriber<unknown>): TeardownLogic => {
    if (index >= interceptors.length) return feed(callMethod(call.instance, call.args), subscriber);
    const next: CallHandler = { handle: () => deferredFrom(index + 1, call) };
    return from(flatten(interceptors[index]!.intercept(call.context, next))).subscribe(subscriber);
  };

  /**
   * What `handle()` returns: the rest of the pipeline, run when subscribed, in the async context
   * `handle()` was called in (as Nest binds it), so an interceptor that subscribes later, from
   * a timer say, still gives the handler its caller's AsyncLocalStorage.
   */
  const deferredFrom = (index: number, call: Call): Observable<unknown> => {
    const scope = new AsyncResource('FumiCallHandler');
    return new Observable((subscriber) => scope.runInAsyncScope(subscribeFrom, null, index, call, subscriber));
  };

  const afterGuards = (instance: object, args: FumiArgs): MaybePromise<unknown> => {
    if (interceptors.length === 0) return resultOf(callMethod(instance, args));
    // Guards and interceptors each get their own context, as in Nest.
    const call: Call = { context: contextHost(args, instance, method), instance, args };
    // Subscribed as an Observable of the whole pipeline would be, without allocating one.
    const last = new LastValueSubscriber();
    try {
      last.add(subscribeFrom(0, call, last));
    } catch (error) {
      last.error(error);
    }
    return last.result();
  };

  const run = (instance: object, args: FumiArgs): MaybePromise<unknown> => {
    if (guards.length === 0) return afterGuards(instance, args);
    const ctx = args[0];
    let guarded: MaybePromise<void>;
    try {
      guarded = runGuards(contextHost(args, instance, method), ctx, 0);
    } catch (error) {
      throw asGuardDenial(error, ctx);
    }
    if (!isPromiseLike(guarded)) return afterGuards(instance, args);
    return guarded.then(
      () => afterGuards(instance, args),
      (error: unknown) => {
        throw asGuardDenial(error, ctx);
      },
    );
  };
  const fail = (error: unknown, args: FumiArgs): unknown => {
    const host = new ExecutionContextHost(args);
    host.setType(FUMI_CONTEXT_TYPE);
    return exceptions.next(error as Error, host);
  };

  return (instance, ctx, next) => {
    const args: FumiArgs = [ctx, next];
    try {
      const result = run(instance, args);
      return isPromiseLike(result) ? Promise.resolve(result).catch((error: unknown) => fail(error, args)) : result;
    } catch (error) {
      return fail(error, args);
    }
  };
}

type FumiArgs = [ctx: SmtpContext, next: NextFunction];

/** One invocation: what its guards and interceptors see. */
interface Call {
  context: ExecutionContextHost;
  instance: object;
  args: FumiArgs;
}

/** A method's result into the interceptors' stream: an Observable's values, or the value itself. */
function feed(result: unknown, subscriber: Subscriber<unknown>): TeardownLogic {
  if (isObservable(result)) return result.subscribe(subscriber);
  if (!isPromiseLike(result)) {
    subscriber.next(result);
    subscriber.complete();
    return undefined;
  }
  let inner: Subscription | undefined;
  Promise.resolve(result).then(
    (value) => {
      if (subscriber.closed) return;
      if (isObservable(value)) inner = value.subscribe(subscriber);
      else {
        subscriber.next(value);
        subscriber.complete();
      }
    },
    (error: unknown) => subscriber.error(error),
  );
  return () => inner?.unsubscribe();
}

function pipedParam(param: ResolvedParam, shared: readonly PipeTransform[]): PipedParam {
  return {
    index: param.index,
    extractValue: param.extractValue as PipedParam['extractValue'],
    pipes: shared.concat(param.pipes),
    metadata: {
      metatype: param.metatype as ArgumentMetadata['metatype'],
      type: paramTokens.exchangeEnumForString(param.type as never) as ArgumentMetadata['type'],
      data: param.data as ArgumentMetadata['data'],
      schema: param.schema,
    },
  };
}

/** A parameter's value through its pipes, each awaited only if it returned a promise. */
function applyPipes(param: PipedParam, args: FumiArgs, from = 0, input?: unknown): MaybePromise<unknown> {
  let value = from === 0 ? param.extractValue(...args) : input;
  for (let i = from; i < param.pipes.length; i++) {
    if (isPromiseLike(value)) {
      return Promise.resolve(value).then((settled) => applyPipes(param, args, i + 1, param.pipes[i]!.transform(settled, param.metadata)));
    }
    value = param.pipes[i]!.transform(value, param.metadata);
  }
  return value;
}

function contextHost(args: FumiArgs, instance: object, method: HandlerMethod): ExecutionContextHost {
  const context = new ExecutionContextHost(args, instance.constructor as never, method);
  context.setType(FUMI_CONTEXT_TYPE);
  return context;
}

/** A guard's answer given as a promise or an Observable, as Nest reads it. */
async function settleVerdict(verdict: unknown): Promise<unknown> {
  const value = await verdict;
  return isObservable(value) ? lastValue(value) : value;
}

/** A method's result as Nest's pipeline gives it: awaited, and an Observable's last value. */
function resultOf(result: unknown): MaybePromise<unknown> {
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then((settled) => (isObservable(settled) ? lastValue(settled) : settled));
  }
  return isObservable(result) ? lastValue(result) : result;
}

/** The observable an interceptor returned, or the one its promise gives. */
function flatten(result: ObservableInput<unknown> | PromiseLike<Observable<unknown>>): ObservableInput<unknown> {
  return isPromiseLike(result) ? from(result as PromiseLike<Observable<unknown>>).pipe(mergeAll()) : result;
}

/**
 * rxjs' `lastValueFrom()`, except that an Observable that completes while it is subscribed (as
 * `of()`, and interceptors around a synchronous method, do) gives its value at once.
 */
function lastValue(source: Observable<unknown>): MaybePromise<unknown> {
  const last = new LastValueSubscriber();
  source.subscribe(last);
  return last.result();
}

type Outcome = { value: unknown } | { error: unknown };

/**
 * What `lastValue()` subscribes with: one object per subscription. A partial observer would
 * have rxjs wrap it in two more objects, and closures over its state cost four more; on a
 * handler behind an interceptor that is one subscription per call.
 */
class LastValueSubscriber extends Subscriber<unknown> {
  private seen = false;
  private last: unknown;
  private outcome: Outcome | undefined;
  private settle: ((outcome: Outcome) => void) | undefined;

  protected override _next(value: unknown): void {
    this.seen = true;
    this.last = value;
  }

  protected override _error(error: unknown): void {
    this.finish({ error });
  }

  protected override _complete(): void {
    this.finish(this.seen ? { value: this.last } : { error: new EmptyError() });
  }

  /** The outcome if the source has already ended, else a promise of it. */
  result(): MaybePromise<unknown> {
    const outcome = this.outcome;
    if (outcome) {
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    }
    return new Promise((resolve, reject) => {
      this.settle = (ended) => ('error' in ended ? reject(ended.error) : resolve(ended.value));
    });
  }

  private finish(outcome: Outcome): void {
    this.outcome = outcome;
    this.last = undefined;
    // the source's teardown, as rxjs' own subscribers run it once they have ended
    this.unsubscribe();
    this.settle?.(outcome);
  }
}
