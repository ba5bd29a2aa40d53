import { Injectable } from '@nestjs/common';
import { ContextIdFactory, ExternalContextCreator, ModuleRef, ModulesContainer, REQUEST, type ContextId } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { recordEnhancers } from './enhancer-recorder.js';
import { FUMI_ARGS_METADATA, FUMI_CONTEXT_TYPE } from './fumi.constants.js';
import { FumiParamsFactory } from './fumi-params.factory.js';
import { FumiParamType } from './fumi-paramtype.enum.js';
import { type FumiSession, kRuntime, type SessionRuntime } from './fumi-session.js';
import { withSmtpGuardDenials } from './guard-denial.js';
import { createHandlerPipeline, type HandlerPipeline } from './handler-pipeline.js';
import { isPromiseLike, type MaybePromise } from './maybe-async.js';
import { planScopedInstance, type ScopedInstancePlan } from './scoped-instance.plan.js';
import type { FumiHandlerMetadata } from './interfaces/fumi-handler-options.interface.js';
import type { FumiHandler } from './interfaces/fumi-handler.interface.js';

type HandlerHost = Record<string, (...args: unknown[]) => unknown>;
/** A request-scoped class's instance for a connection. */
type ScopedInstances = (session: FumiSession) => MaybePromise<HandlerHost>;

/** A handler's pipeline, and whether it may serve instances of other connections. */
interface BuiltPipeline {
  run: HandlerPipeline;
  contextual: boolean;
}

/**
 * Wraps handler methods in the guards, interceptors, pipes and exception filters that Nest's
 * `ExternalContextCreator` resolves for them (global ones included, `'fumi'` context type), as
 * controllers are wrapped for HTTP; `createHandlerPipeline` runs what it resolved.
 */
@Injectable()
export class FumiContextCreator {
  private readonly paramsFactory = new FumiParamsFactory();
  private readonly contextCreator: ExternalContextCreator;
  private readonly scopedInstances = new Map<InstanceWrapper, ScopedInstances>();
  /** Slots of `SessionRuntime.scoped` handed out so far. */
  private slots = 0;
  /** The wrappers that may hold instances per context id, and how many modules they came from. */
  private contextual?: { wrappers: InstanceWrapper[]; modules: number };

  constructor(
    externalContextCreator: ExternalContextCreator,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
  ) {
    this.contextCreator = withSmtpGuardDenials(externalContextCreator);
  }

  create(wrapper: InstanceWrapper, methodName: string, metadata: FumiHandlerMetadata): FumiHandler {
    const prototype = (wrapper.metatype as { prototype?: HandlerHost } | null)?.prototype;
    const method = (wrapper.instance as HandlerHost | undefined)?.[methodName] ?? prototype?.[methodName];
    const className = (wrapper.metatype as { name?: string } | null)?.name ?? String(wrapper.name);
    const base = {
      ...metadata,
      name: `${className}.${methodName}`,
      declaresNext: this.declaresNext(wrapper, methodName, method),
    };
    const scoped = !wrapper.isDependencyTreeStatic() || wrapper.isTransient;
    if (!scoped) {
      const instance = wrapper.instance as HandlerHost;
      const { run } = this.build(instance, methodName);
      return { ...base, invoke: (ctx, next) => run(instance, ctx, next) };
    }
    // One instance per connection, resolved on the connection's first call and reused by every
    // later phase and method (see scopedInstancesOf). The pipeline built for the first
    // connection serves all later ones, unless an enhancer is itself per connection.
    const instanceFor = this.scopedInstancesOf(wrapper);
    let shared: HandlerPipeline | undefined;
    const ownSlot = this.slots++;
    const pipelineFor = (instance: HandlerHost, session: FumiSession): HandlerPipeline => {
      // An instance with a method of its own (bound in its constructor, say) gets a pipeline of
      // its own: the shared one calls the class's method.
      const own = instance[methodName] !== prototype?.[methodName];
      const scoped = this.slotsOf(session);
      let run = (own ? undefined : shared) ?? (scoped[ownSlot] as HandlerPipeline | undefined);
      if (!run) {
        const built = this.build(instance, methodName, this.contextIdOf(session), wrapper.id);
        if (built.contextual || own) scoped[ownSlot] = built.run;
        else shared = built.run;
        run = built.run;
      }
      return run;
    };
    return {
      ...base,
      invoke: (ctx, next) => {
        const instance = instanceFor(ctx.session);
        if (!isPromiseLike(instance)) return pipelineFor(instance, ctx.session)(instance, ctx, next);
        return instance.then((resolved) => pipelineFor(resolved, ctx.session)(resolved, ctx, next));
      },
    };
  }

  /**
   * Has Nest resolve the method's enhancers, as for a controller, and runs them with our own
   * executor; should Nest's resolution go unobserved, Nest's pipeline runs them instead.
   */
  private build(instance: HandlerHost, methodName: string, contextId?: ContextId, inquirerId?: string): BuiltPipeline {
    const method = instance[methodName]!;
    let nestPipeline: ((...args: unknown[]) => Promise<unknown>) | undefined;
    const enhancers = recordEnhancers(this.contextCreator, (creator) => {
      nestPipeline = creator.create(
        instance,
        method,
        methodName,
        FUMI_ARGS_METADATA,
        this.paramsFactory,
        contextId,
        inquirerId,
        { guards: true, interceptors: true, filters: true },
        FUMI_CONTEXT_TYPE,
      );
    });
    if (enhancers) return { run: createHandlerPipeline(method, enhancers), contextual: enhancers.contextual };
    const fallback = nestPipeline!;
    return { run: (_instance, ctx, next) => fallback(ctx, next), contextual: true };
  }

  /**
   * A request-scoped class's instance per connection, shared by all its handler methods, and
   * the dearest step of a connection's first command. Nest's injector resolves it for the
   * class's first connection and records the class's dependencies as it goes; later
   * connections get theirs built from that record where the tree allows (planScopedInstance).
   * Either way it is kept in a slot of the session's own, so that it goes with the session, and
   * a later command costs one array read. (In a WeakMap keyed by the context id each entry held
   * its own key alive through the session: a young-generation collection could not free a
   * closed connection's objects, and copied them all to the old generation instead.)
   */
  private scopedInstancesOf(wrapper: InstanceWrapper): ScopedInstances {
    let instanceFor = this.scopedInstances.get(wrapper);
    if (instanceFor) return instanceFor;
    const slot = this.slots++;
    let plan: ScopedInstancePlan | undefined;
    // This very provider: by its token across modules, the injector could give another module's
    // (the last one registered), neither the class whose handlers these are nor the one planned.
    const hostModuleRef = wrapper.host?.getProviderByKey<ModuleRef>(ModuleRef)?.instance;
    const resolve = (contextId: ContextId, scoped: unknown[]): Promise<HandlerHost> =>
      (hostModuleRef
        ? hostModuleRef.resolve<HandlerHost>(wrapper.token as string, contextId, { strict: true })
        : this.moduleRef.resolve<HandlerHost>(wrapper.token as string, contextId, { strict: false })
      ).then(
        (instance) => {
          scoped[slot] = instance;
          plan ??= planScopedInstance(wrapper);
          return instance;
        },
        (error: unknown) => {
          // The phase fails; the connection's next phase tries again, as a built one would.
          scoped[slot] = undefined;
          throw error;
        },
      );
    instanceFor = (session) => {
      const scoped = this.slotsOf(session);
      const known = scoped[slot] as MaybePromise<HandlerHost> | undefined;
      if (known) return known;
      const contextId = this.contextIdOf(session);
      // A strategy's context ids (durable trees) are the injector's to map.
      const built = typeof plan === 'function' && !contextId.getParent ? (plan(contextId) as HandlerHost | undefined) : undefined;
      const instance = built ?? resolve(contextId, scoped);
      scoped[slot] = instance;
      return instance;
    };
    this.scopedInstances.set(wrapper, instanceFor);
    return instanceFor;
  }

  /** The session's slots, made with room for every slot handed out at bootstrap. */
  private slotsOf(session: FumiSession): unknown[] {
    return (session[kRuntime].scoped ??= new Array<unknown>(this.slots));
  }

  /** The connection's DI sub-tree: created once, with the session as its `REQUEST`. */
  private contextIdOf(session: FumiSession): ContextId {
    const runtime = session[kRuntime];
    if (!runtime.contextId) {
      runtime.contextId = ContextIdFactory.getByRequest(session, []);
      runtime.releaseContext = this.releaseContext;
      this.moduleRef.registerRequestByContextId(session, runtime.contextId);
    }
    return runtime.contextId;
  }

  /**
   * Called once the connection is over: every wrapper forgets its instance for the connection's
   * context id, and the session its slots. The injector keeps instances in WeakMaps keyed by the
   * context id, whose values (the instances injecting the session) hold that key alive: left
   * there, they survive every young-generation collection until a full one finds them, all of
   * a short connection's objects copied to the old generation on the way. The session stays
   * registered as the context's `REQUEST`, so that `moduleRef.resolve()` for the context
   * afterwards (late work of a handler's) builds new instances for the same session. Transient
   * providers' instances, kept per inquirer, are left to the collector.
   */
  private readonly releaseContext = (runtime: SessionRuntime): void => {
    const contextId = runtime.contextId;
    runtime.scoped = undefined;
    if (!contextId) return;
    for (const wrapper of this.contextualWrappers()) wrapper.removeInstanceByContextId(contextId);
  };

  /**
   * Every wrapper whose instances may be per context but `REQUEST`'s, collected again when a
   * module is added (lazy loading).
   */
  private contextualWrappers(): readonly InstanceWrapper[] {
    if (this.contextual?.modules === this.modules.size) return this.contextual.wrappers;
    const wrappers: InstanceWrapper[] = [];
    for (const module of this.modules.values()) {
      for (const collection of [module.providers, module.injectables, module.controllers]) {
        for (const wrapper of collection.values()) {
          if (wrapper.token !== REQUEST && !wrapper.isDependencyTreeStatic()) wrappers.push(wrapper);
        }
      }
    }
    this.contextual = { wrappers, modules: this.modules.size };
    return wrappers;
  }

  /** `@Next()` on a parameter, or an undecorated `(ctx, next)` signature as in fumi. */
  private declaresNext(wrapper: InstanceWrapper, methodName: string, method: unknown): boolean {
    const ctor = wrapper.metatype as object;
    const args: Record<string, unknown> | undefined = ctor
      ? Reflect.getMetadata(FUMI_ARGS_METADATA, ctor, methodName)
      : undefined;
    if (args && Object.keys(args).length > 0) {
      return Object.keys(args).some((key) => key.startsWith(`${FumiParamType.NEXT}:`));
    }
    return typeof method === 'function' && method.length >= 2;
  }
}
