import { PARAMTYPES_METADATA, PROPERTY_DEPS_METADATA, SELF_DECLARED_DEPS_METADATA } from '@nestjs/common/constants.js';
import { REQUEST, type ContextId } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';

/**
 * A request-scoped class's instance for a connection, built the way Nest's injector builds it,
 * or `undefined` when an instance of the tree is being built by the injector right now (only it
 * can wait for that). May throw what a constructor throws.
 */
export type ScopedInstanceBuilder = (contextId: ContextId) => object | undefined;

/** What `planScopedInstance` found: a builder, or `'injector'` for a tree only the injector builds. */
export type ScopedInstancePlan = ScopedInstanceBuilder | 'injector';

type Newable = new (...args: unknown[]) => object;
/** One constructor argument for a context; `undefined` from a dependency the injector is still building. */
type ArgumentSource = (contextId: ContextId) => { value: unknown } | undefined;
/** What the injector was created with (`instrument.instanceDecorator` decorates every instance it builds). */
interface HostWithContainer {
  container?: { contextOptions?: { instrument?: { instanceDecorator?: unknown } } };
}
/** A wrapper whose plan is being made: met again further down, it is a cycle. */
const PLANNING = Symbol('planning');
type Plans = Map<InstanceWrapper, ScopedInstancePlan | typeof PLANNING>;

/**
 * Nest's injector resolves a request-scoped tree with a promise, a settlement signal, a barrier
 * and a resolution context per provider, and loads every enhancer of every class again for the
 * context: in the bench's full app, 3 handler classes and the service they share cost a
 * connection some 30 µs of CPU in-process and 100 µs under load, more than every guard,
 * interceptor and pipe of its 15 handler calls together.
 *
 * Once Nest has resolved a class for a connection, its wrapper records the wrappers of its
 * constructor's dependencies. For the common tree (classes whose dependencies are singletons,
 * the `REQUEST` object and other such classes) that is everything needed to build the next
 * connection's instances with `new`, as the injector would, and to store them in the same
 * wrappers, so that `moduleRef.resolve()` and every other consumer of the context gets the very
 * same instances. Anything else the injector does for a tree (factories, property injection,
 * transient and durable providers, `INQUIRER`, forward references, optional dependencies that
 * are missing, per-context enhancers, an instance decorator, a `ContextIdStrategy`) keeps the
 * whole tree on the injector. Call it only once the injector has resolved `wrapper`.
 */
export function planScopedInstance(wrapper: InstanceWrapper): ScopedInstancePlan {
  try {
    return planFor(wrapper, new Map());
  } catch {
    // A Nest whose wrappers no longer read this way: the injector keeps building every tree.
    return 'injector';
  }
}

/** Each wrapper planned once, however many paths lead to it: a shared dependency is one builder. */
function planFor(wrapper: InstanceWrapper, plans: Plans): ScopedInstancePlan {
  const known = plans.get(wrapper);
  if (known === PLANNING) return 'injector';
  if (known) return known;
  plans.set(wrapper, PLANNING);
  const plan = makePlan(wrapper, plans);
  plans.set(wrapper, plan);
  return plan;
}

function makePlan(wrapper: InstanceWrapper, plans: Plans): ScopedInstancePlan {
  if (!buildsLikeNew(wrapper)) return 'injector';
  // Recorded by the injector as it resolved them, index by index (none for a constructor
  // without any): once it has, a gap is an optional dependency that was not there.
  const dependencies = wrapper.getCtorMetadata() ?? [];
  if (!isDense(dependencies, constructorArity(wrapper.metatype as Newable))) return 'injector';
  const sources: ArgumentSource[] = [];
  for (const dependency of dependencies) {
    const source = sourceOf(dependency, plans);
    if (!source) return 'injector';
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

function sourceOf(dependency: InstanceWrapper, plans: Plans): ArgumentSource | undefined {
  if (dependency.token === REQUEST) {
    // Registered for the context with registerRequestByContextId before anything is resolved.
    return (contextId) => ({ value: dependency.getInstanceByContextId(contextId).instance });
  }
  if (dependency.isTransient || dependency.isAlias) return undefined;
  if (dependency.isDependencyTreeStatic()) {
    const instance: unknown = dependency.instance;
    return () => ({ value: instance });
  }
  const plan = planFor(dependency, plans);
  if (plan === 'injector') return undefined;
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
    const existing = wrapper.getInstanceByContextId(contextId);
    if (existing.isResolved) return existing.instance as object;
    if (existing.isPending) return undefined;
    const args = new Array<unknown>(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const argument = sources[i]!(contextId);
      if (!argument) return undefined;
      args[i] = argument.value;
    }
    // A dependency's constructor may have had the injector start on this class meanwhile (it
    // resolved something that injects it): then the injector's instance is the one.
    const slot = wrapper.getInstanceByContextId(contextId);
    if (slot.isResolved) return slot.instance as object;
    if (slot.isPending) return undefined;
    const host = new InstanceUnderConstruction();
    wrapper.setInstanceByContextId(contextId, host);
    try {
      host.instance = new metatype(...args);
    } catch (error) {
      host.failure = error;
      wrapper.removeInstanceByContextId(contextId);
      throw error;
    }
    host.isResolved = true;
    return host.instance;
  };
}

/**
 * A wrapper's slot for a context while the plan builds into it, marked as the injector marks a
 * load: should the constructor have its own class resolved for the context (`moduleRef.resolve()`
 * of something that injects it), the injector waits on `donePromise` for this instance instead
 * of making a second one. The promise is made only then: with one made for every build, the
 * full bench app read 14.8–15.4 KB per idle connection in all six batches, where without it
 * most batches read 10.3–11.1. Constructors are synchronous, so it settles after the
 * constructor has returned or thrown. The slot stays pending, as the injector leaves the slots
 * it loads.
 */
class InstanceUnderConstruction {
  instance: object | undefined = undefined;
  isResolved = false;
  readonly isPending = true;
  failure: unknown = undefined;
  /** One the injector put here itself, should it ever load into a slot that is not pending. */
  private assigned?: Promise<unknown>;

  get donePromise(): Promise<unknown> {
    return this.assigned ?? Promise.resolve().then(() => this.failure);
  }

  set donePromise(promise: Promise<unknown>) {
    this.assigned = promise;
  }
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
