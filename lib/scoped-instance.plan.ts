import { PARAMTYPES_METADATA, PROPERTY_DEPS_METADATA, SELF_DECLARED_DEPS_METADATA } from '@nestjs/common/constants.js';
import { REQUEST, type ContextId } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';

/**
 * A request-scoped class's instance for a connection, built the way Nest's injector builds it,
 * or `undefined` when an instance of the tree is being built by the injector right now (only it
 * can wait for that). May throw what a constructor throws.
 */
export type ScopedInstanceBuilder = (contextId: ContextId) => object | undefined;

/**
 * What `planScopedInstance` found: a builder; `'not-yet'` while Nest has not yet resolved the
 * class once (its dependencies are known only after that); `'never'` for a tree only Nest's
 * injector can build.
 */
export type ScopedInstancePlan = ScopedInstanceBuilder | 'not-yet' | 'never';

type Newable = new (...args: unknown[]) => object;
/** One constructor argument for a context; `undefined` from a dependency the injector is still building. */
type ArgumentSource = (contextId: ContextId) => { value: unknown } | undefined;
/** What the injector was created with (`instrument.instanceDecorator` decorates every instance it builds). */
interface HostWithContainer {
  container?: { contextOptions?: { instrument?: { instanceDecorator?: unknown } } };
}

/**
 * Nest's injector resolves a request-scoped tree with a promise, a settlement signal, a barrier
 * and a resolution context per provider, and loads every enhancer of every class again for the
 * context: in the bench's full app, 3 handler classes and the service they share cost a
 * connection some 30 µs of CPU in-process and 100 µs under load, more than every guard,
 * interceptor and pipe of its 15 handler calls together.
 *
 * Once Nest has resolved a class for one connection, its wrapper records the wrappers of its
 * constructor's dependencies. For the common tree (classes whose dependencies are singletons,
 * the `REQUEST` object and other such classes) that is everything needed to build the next
 * connection's instances with `new`, as the injector would, and to store them in the same
 * wrappers, so that `moduleRef.resolve()` and every other consumer of the context gets the very
 * same instances. Anything else the injector does for a tree (factories, property injection,
 * transient and durable providers, `INQUIRER`, forward references, per-context enhancers, an
 * instance decorator, a `ContextIdStrategy`) keeps the whole tree on the injector.
 */
export function planScopedInstance(wrapper: InstanceWrapper): ScopedInstancePlan {
  try {
    return planFor(wrapper, new Set());
  } catch {
    // A Nest whose wrappers no longer read this way: the injector keeps building every tree.
    return 'never';
  }
}

function planFor(wrapper: InstanceWrapper, path: Set<InstanceWrapper>): ScopedInstancePlan {
  if (!buildsLikeNew(wrapper)) return 'never';
  // Recorded by the injector as it resolves them, index by index; none for a constructor without any.
  const dependencies = wrapper.getCtorMetadata() ?? [];
  if (!isDense(dependencies, constructorArity(wrapper.metatype as Newable))) return 'not-yet';
  const sources: ArgumentSource[] = [];
  const inPath = new Set(path).add(wrapper);
  for (const dependency of dependencies) {
    const source = sourceOf(dependency, inPath);
    if (typeof source !== 'function') return source;
    sources.push(source);
  }
  return builderOf(wrapper, sources);
}

/** A class the injector builds with `new` and nothing else, and only for a context. */
function buildsLikeNew(wrapper: InstanceWrapper): boolean {
  const metatype = wrapper.metatype;
  return (
    typeof metatype === 'function' &&
    (wrapper.inject === undefined || wrapper.inject === null) &&
    !wrapper.isAlias &&
    !wrapper.forwardRef &&
    !wrapper.isTransient &&
    !wrapper.isDependencyTreeStatic() &&
    !wrapper.isDependencyTreeDurable() &&
    !(Reflect.getMetadata(PROPERTY_DEPS_METADATA, metatype) as unknown[] | undefined)?.length &&
    !(wrapper.getPropertiesMetadata() ?? []).length &&
    // A static enhancer is the same instance in every context; a scoped one needs the injector.
    (wrapper.getEnhancersMetadata() ?? []).every((enhancer) => enhancer.isDependencyTreeStatic() && !enhancer.isTransient) &&
    !(wrapper.host as HostWithContainer | undefined)?.container?.contextOptions?.instrument?.instanceDecorator
  );
}

function sourceOf(dependency: InstanceWrapper, path: Set<InstanceWrapper>): ArgumentSource | 'not-yet' | 'never' {
  if (dependency.token === REQUEST) {
    // Registered for the context with registerRequestByContextId before anything is resolved.
    return (contextId) => ({ value: dependency.getInstanceByContextId(contextId).instance });
  }
  if (dependency.isTransient || dependency.isAlias) return 'never';
  if (dependency.isDependencyTreeStatic()) {
    const instance: unknown = dependency.instance;
    return () => ({ value: instance });
  }
  if (path.has(dependency)) return 'never';
  const plan = planFor(dependency, path);
  if (typeof plan !== 'function') return plan;
  return (contextId) => {
    const instance = plan(contextId);
    return instance === undefined ? undefined : { value: instance };
  };
}

/**
 * Builds into the wrapper's own slot for the context, as the injector does: an instance another
 * class of the same connection (or `moduleRef.resolve()`) already got is the one returned.
 */
function builderOf(wrapper: InstanceWrapper, sources: readonly ArgumentSource[]): ScopedInstanceBuilder {
  const metatype = wrapper.metatype as Newable;
  return (contextId) => {
    const host = wrapper.getInstanceByContextId(contextId);
    if (host.isResolved) return host.instance as object;
    if (host.isPending) return undefined;
    const args = new Array<unknown>(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const argument = sources[i]!(contextId);
      if (!argument) return undefined;
      args[i] = argument.value;
    }
    try {
      host.instance = new metatype(...args);
    } catch (error) {
      wrapper.removeInstanceByContextId(contextId);
      throw error;
    }
    host.isResolved = true;
    return host.instance as object;
  };
}

/** As the injector counts a constructor's parameters: `design:paramtypes` with `@Inject()` indexes over it. */
function constructorArity(metatype: Newable): number {
  const types = (Reflect.getMetadata(PARAMTYPES_METADATA, metatype) as unknown[] | undefined) ?? [];
  const declared = (Reflect.getMetadata(SELF_DECLARED_DEPS_METADATA, metatype) as { index: number }[] | undefined) ?? [];
  return declared.reduce((arity, { index }) => Math.max(arity, index + 1), types.length);
}

function isDense(dependencies: readonly (InstanceWrapper | undefined)[], arity: number): boolean {
  if (dependencies.length !== arity) return false;
  for (let i = 0; i < arity; i++) if (dependencies[i] === undefined) return false;
  return true;
}
