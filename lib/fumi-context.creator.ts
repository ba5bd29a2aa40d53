import { Injectable } from '@nestjs/common';
import { ContextIdFactory, ExternalContextCreator, ModuleRef, type ContextId } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { recordEnhancers } from './enhancer-recorder.js';
import { FUMI_ARGS_METADATA, FUMI_CONTEXT_TYPE } from './fumi.constants.js';
import { FumiParamsFactory } from './fumi-params.factory.js';
import { FumiParamType } from './fumi-paramtype.enum.js';
import { type FumiSession, kRuntime } from './fumi-session.js';
import { withSmtpGuardDenials } from './guard-denial.js';
import { createHandlerPipeline, type HandlerPipeline } from './handler-pipeline.js';
import { isPromiseLike, type MaybePromise } from './maybe-async.js';
import { planScopedInstance, type ScopedInstancePlan } from './scoped-instance.plan.js';
import type { FumiHandlerMetadata } from './interfaces/fumi-handler-options.interface.js';
import type { FumiHandler } from './interfaces/fumi-handler.interface.js';

type HandlerHost = Record<string, (...args: unknown[]) => unknown>;
/** A request-scoped class's instance for a connection's context id. */
type ScopedInstances = (contextId: ContextId) => MaybePromise<HandlerHost>;

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

  constructor(
    externalContextCreator: ExternalContextCreator,
    private readonly moduleRef: ModuleRef,
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
    const perConnection = new WeakMap<ContextId, HandlerPipeline>();
    const pipelineFor = (instance: HandlerHost, contextId: ContextId): HandlerPipeline => {
      // An instance with a method of its own (bound in its constructor, say) gets a pipeline of
      // its own: the shared one calls the class's method.
      const own = instance[methodName] !== prototype?.[methodName];
      let run = (own ? undefined : shared) ?? perConnection.get(contextId);
      if (!run) {
        const built = this.build(instance, methodName, contextId, wrapper.id);
        if (built.contextual || own) perConnection.set(contextId, built.run);
        else shared = built.run;
        run = built.run;
      }
      return run;
    };
    return {
      ...base,
      invoke: (ctx, next) => {
        const contextId = this.contextIdOf(ctx.session);
        const instance = instanceFor(contextId);
        if (!isPromiseLike(instance)) return pipelineFor(instance, contextId)(instance, ctx, next);
        return instance.then((resolved) => pipelineFor(resolved, contextId)(resolved, ctx, next));
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
   * Either way it is kept in a WeakMap that lets it go with the session's context id. Looked
   * up once per method at bootstrap, so a later command costs one WeakMap lookup.
   */
  private scopedInstancesOf(wrapper: InstanceWrapper): ScopedInstances {
    let instanceFor = this.scopedInstances.get(wrapper);
    if (instanceFor) return instanceFor;
    const instances = new WeakMap<ContextId, MaybePromise<HandlerHost>>();
    let plan: ScopedInstancePlan | undefined;
    // This very provider: by its token across modules, the injector could give another module's
    // (the last one registered), neither the class whose handlers these are nor the one planned.
    const hostModuleRef = wrapper.host?.getProviderByKey<ModuleRef>(ModuleRef)?.instance;
    const resolve = (contextId: ContextId): Promise<HandlerHost> =>
      (hostModuleRef
        ? hostModuleRef.resolve<HandlerHost>(wrapper.token as string, contextId, { strict: true })
        : this.moduleRef.resolve<HandlerHost>(wrapper.token as string, contextId, { strict: false })
      ).then(
        (instance) => {
          instances.set(contextId, instance);
          plan ??= planScopedInstance(wrapper);
          return instance;
        },
        (error: unknown) => {
          // The phase fails; the connection's next phase tries again, as a built one would.
          instances.delete(contextId);
          throw error;
        },
      );
    instanceFor = (contextId) => {
      const known = instances.get(contextId);
      if (known) return known;
      // A strategy's context ids (durable trees) are the injector's to map.
      const built = typeof plan === 'function' && !contextId.getParent ? (plan(contextId) as HandlerHost | undefined) : undefined;
      const instance = built ?? resolve(contextId);
      instances.set(contextId, instance);
      return instance;
    };
    this.scopedInstances.set(wrapper, instanceFor);
    return instanceFor;
  }

  /** The connection's DI sub-tree: created once, with the session as its `REQUEST`. */
  private contextIdOf(session: FumiSession): ContextId {
    const runtime = session[kRuntime];
    if (!runtime.contextId) {
      runtime.contextId = ContextIdFactory.getByRequest(session, []);
      this.moduleRef.registerRequestByContextId(session, runtime.contextId);
    }
    return runtime.contextId;
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
