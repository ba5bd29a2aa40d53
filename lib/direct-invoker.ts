import type { ExternalContextCreator } from '@nestjs/core';
import type { ExternalExceptionsHandler } from '@nestjs/core/exceptions/external-exceptions-handler.js';
import type { ParamProperties } from '@nestjs/core/helpers/context-utils.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { isObservable, lastValueFrom } from 'rxjs';
import type { NextFunction, SmtpContext } from './context/smtp.context.js';
import { FUMI_CONTEXT_TYPE } from './fumi.constants.js';
import { isPromiseLike, type MaybePromise } from './maybe-async.js';

/** A handler wrapped for the chain: Nest's pipeline, or the direct call that stands for it. */
export type PipelineFn = (ctx: SmtpContext, next: NextFunction) => MaybePromise<unknown>;

/** What Nest resolved for one handler while it built the handler's pipeline. */
export interface ResolvedEnhancers {
  guards?: number;
  interceptors?: number;
  /** Global, class and method pipes, plus every parameter's own. */
  pipes?: number;
  params?: readonly ParamProperties[];
  exceptions?: ExternalExceptionsHandler;
}

/**
 * The parts of Nest's `ExternalContextCreator` watched here that its typings declare private.
 * Should a Nest version name them differently, nothing is recorded and every handler keeps
 * the full pipeline.
 */
interface ContextCreatorInternals {
  interceptorsContextCreator?: { create(...args: unknown[]): unknown[] };
  filtersContextCreator?: { create(...args: unknown[]): ExternalExceptionsHandler };
}

/**
 * A context creator that records what Nest resolves (guards, interceptors, pipes, filters,
 * global ones included) while it builds one handler's pipeline. Use the returned creator for a
 * single `create()` call.
 */
export function recordingEnhancers(creator: ExternalContextCreator): {
  creator: ExternalContextCreator;
  resolved: ResolvedEnhancers;
} {
  const resolved: ResolvedEnhancers = {};
  const internals = creator as unknown as ContextCreatorInternals;
  const derived = Object.create(creator) as ExternalContextCreator;
  const derivedInternals = derived as unknown as ContextCreatorInternals;
  derived.createGuardsFn = function (this: ExternalContextCreator, guards, ...rest) {
    resolved.guards = guards.length;
    return creator.createGuardsFn.call(this, guards, ...rest);
  };
  derived.createPipesFn = function (this: ExternalContextCreator, pipes, params) {
    resolved.pipes = params.reduce((count, param) => count + param.pipes.length, pipes.length);
    resolved.params = params;
    return creator.createPipesFn.call(this, pipes, params);
  };
  const interceptors = internals.interceptorsContextCreator;
  if (typeof interceptors?.create === 'function') {
    derivedInternals.interceptorsContextCreator = Object.assign(Object.create(interceptors) as typeof interceptors, {
      create: (...args: unknown[]) => {
        const list = interceptors.create(...args);
        resolved.interceptors = list.length;
        return list;
      },
    });
  }
  const filters = internals.filtersContextCreator;
  if (typeof filters?.create === 'function') {
    derivedInternals.filtersContextCreator = Object.assign(Object.create(filters) as typeof filters, {
      create: (...args: unknown[]) => (resolved.exceptions = filters.create(...args)),
    });
  }
  return { creator: derived, resolved };
}

/**
 * For a handler that Nest gave no guard, interceptor or pipe, a direct call that does what
 * Nest's pipeline would: parameters from their decorators, an Observable result awaited, and
 * errors through the same exception filters (Nest's own handler). It spares every command the
 * pipeline's chain of promises, which costs more than the handler itself. `undefined` when the
 * handler has enhancers, or when Nest's resolution could not be observed.
 */
export function createDirectInvoker(
  instance: object,
  method: (...args: unknown[]) => unknown,
  resolved: ResolvedEnhancers,
): PipelineFn | undefined {
  const { params, exceptions } = resolved;
  if (resolved.guards !== 0 || resolved.interceptors !== 0 || resolved.pipes !== 0 || !params || !exceptions) {
    return undefined;
  }
  // As Nest: without parameter decorators the handler gets (ctx, next) as they are; with them,
  // an argument list as long as the highest decorated index, undecorated places undefined.
  const length = params.reduce((max, param) => Math.max(max, param.index + 1), 0);
  // Nest awaits every parameter value (`@ParsedMail()` gives a promise); so does this, but
  // only when one is a promise, so the common case stays synchronous.
  const argumentsFor = (ctx: SmtpContext, next: NextFunction): unknown[] | Promise<unknown[]> => {
    if (length === 0) return [ctx, next];
    const args = new Array<unknown>(length).fill(undefined);
    let pending = false;
    for (const param of params) {
      const value = param.extractValue(ctx, next);
      pending ||= value instanceof Promise;
      args[param.index] = value;
    }
    return pending ? Promise.all(args) : args;
  };
  const fail = (error: unknown, ctx: SmtpContext, next: NextFunction): unknown => {
    const host = new ExecutionContextHost([ctx, next]);
    host.setType(FUMI_CONTEXT_TYPE);
    return exceptions.next(error as Error, host);
  };
  const settle = async (pending: PromiseLike<unknown>, ctx: SmtpContext, next: NextFunction): Promise<unknown> => {
    try {
      const result = await pending;
      return isObservable(result) ? await lastValueFrom(result) : result;
    } catch (error) {
      return fail(error, ctx, next);
    }
  };
  // A handler that returns at once is answered at once: no promise, no extra turn.
  return (ctx, next) => {
    try {
      const args = argumentsFor(ctx, next);
      if (args instanceof Promise) return settle(args.then((values) => method.apply(instance, values)), ctx, next);
      const result = method.apply(instance, args);
      if (isPromiseLike(result)) return settle(result, ctx, next);
      return isObservable(result) ? settle(lastValueFrom(result), ctx, next) : result;
    } catch (error) {
      return fail(error, ctx, next);
    }
  };
}
