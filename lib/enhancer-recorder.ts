import type { CanActivate, NestInterceptor, PipeTransform } from '@nestjs/common';
import type { ExternalContextCreator } from '@nestjs/core';
import type { ExternalExceptionsHandler } from '@nestjs/core/exceptions/external-exceptions-handler.js';
import type { ParamProperties } from '@nestjs/core/helpers/context-utils.js';
import { HandlerMetadataStorage } from '@nestjs/core/helpers/handler-metadata-storage.js';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';

/** A handler parameter as Nest resolved it: where it goes, how its value is read, its pipes. */
export type ResolvedParam = ParamProperties & { metatype?: unknown };

/** What Nest resolved for one handler while it built the handler's pipeline. */
export interface ResolvedEnhancers {
  guards: readonly CanActivate[];
  interceptors: readonly NestInterceptor[];
  /** Global, class and method pipes; each parameter lists its own. */
  pipes: readonly PipeTransform[];
  params: readonly ResolvedParam[];
  exceptions: ExternalExceptionsHandler;
  /**
   * Some enhancer came from a request-scoped or transient provider (a global one included), so
   * it belongs to the connection it was resolved for and cannot serve another.
   */
  contextual: boolean;
}

/** One of the enhancer context creators that Nest's `ExternalContextCreator` holds. */
interface EnhancerContextCreator {
  create(...args: unknown[]): unknown;
  getInstanceByMetatype?(metatype: unknown): InstanceWrapper | undefined;
  getGlobalMetadata?(...args: unknown[]): unknown[];
}

/**
 * The parts of Nest's `ExternalContextCreator` watched here that its typings declare private.
 * Should a Nest version name them differently, nothing is recorded and the handler keeps Nest's
 * own pipeline.
 */
type CreatorInternals = Record<
  'guardsContextCreator' | 'interceptorsContextCreator' | 'pipesContextCreator' | 'filtersContextCreator',
  EnhancerContextCreator | undefined
>;
const ENHANCER_CREATORS = [
  'guardsContextCreator',
  'interceptorsContextCreator',
  'pipesContextCreator',
  'filtersContextCreator',
] as const;

/**
 * Runs `build` with a context creator derived from `creator` that records what Nest resolves
 * (guards, interceptors, pipes, filters, global ones included) for the one handler it builds,
 * and whether any of it is bound to the connection. `undefined` if some part went unobserved.
 */
export function recordEnhancers(
  creator: ExternalContextCreator,
  build: (recording: ExternalContextCreator) => void,
): ResolvedEnhancers | undefined {
  const seen: Partial<ResolvedEnhancers> = { contextual: false };
  const internals = creator as unknown as CreatorInternals;
  const derived = Object.create(creator) as ExternalContextCreator;
  const derivedInternals = derived as unknown as CreatorInternals;
  // Nest caches a method's parameter metadata per class, with a resolver bound to the creator
  // that built it first: a later build would resolve parameter pipes through that earlier
  // recording, and never see that they are per connection. Each recording resolves afresh.
  (derived as unknown as { handlerMetadataStorage: HandlerMetadataStorage }).handlerMetadataStorage =
    new HandlerMetadataStorage();
  for (const key of ENHANCER_CREATORS) {
    const original = internals[key];
    if (typeof original?.create !== 'function') return undefined;
    derivedInternals[key] = watchScope(original, seen);
  }
  const interceptors = internals.interceptorsContextCreator!;
  const filters = internals.filtersContextCreator!;
  derivedInternals.interceptorsContextCreator!.create = function (...args) {
    return (seen.interceptors = interceptors.create.apply(this, args) as NestInterceptor[]);
  };
  derivedInternals.filtersContextCreator!.create = function (...args) {
    return (seen.exceptions = filters.create.apply(this, args) as ExternalExceptionsHandler);
  };
  derived.createGuardsFn = function (this: ExternalContextCreator, guards, ...rest) {
    seen.guards = guards as CanActivate[];
    return creator.createGuardsFn.call(this, guards, ...rest);
  };
  derived.createPipesFn = function (this: ExternalContextCreator, pipes, params) {
    seen.pipes = pipes;
    seen.params = params;
    return creator.createPipesFn.call(this, pipes, params);
  };
  build(derived);
  const { guards, interceptors: intercepting, pipes, params, exceptions, contextual } = seen;
  if (!guards || !intercepting || !pipes || !params || !exceptions) return undefined;
  return { guards, interceptors: intercepting, pipes, params, exceptions, contextual: contextual ?? true };
}

/**
 * Derives an enhancer context creator that flags `seen.contextual` when it resolves an enhancer
 * from a request-scoped or transient provider, or finds global enhancers only a context has.
 */
function watchScope(original: EnhancerContextCreator, seen: Partial<ResolvedEnhancers>): EnhancerContextCreator {
  const derived = Object.create(original) as EnhancerContextCreator;
  const { getInstanceByMetatype, getGlobalMetadata } = original;
  if (typeof getInstanceByMetatype !== 'function' || typeof getGlobalMetadata !== 'function') {
    seen.contextual = undefined;
    return derived;
  }
  derived.getInstanceByMetatype = function (metatype) {
    const wrapper = getInstanceByMetatype.call(this, metatype);
    if (wrapper && (wrapper.isTransient || !wrapper.isDependencyTreeStatic())) seen.contextual = true;
    return wrapper;
  };
  derived.getGlobalMetadata = function (...args) {
    const resolved = getGlobalMetadata.apply(this, args);
    // without arguments: the global enhancers every context shares
    if (seen.contextual === false && resolved.length !== getGlobalMetadata.call(this).length) seen.contextual = true;
    return resolved;
  };
  return derived;
}
