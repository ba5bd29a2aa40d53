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
import type { FumiHandlerMetadata } from './interfaces/fumi-handler-options.interface.js';
import type { FumiHandler } from './interfaces/fumi-handler.interface.js';

type HandlerHost = Record<string, (...args: unknown[]) => unknown>;
type BoundHandler = FumiHandler['invoke'];

/** A handler's pipeline, and whether it may serve instances of other connections. */
interface BuiltPipeline {
  run: HandlerPipeline;
  contextual: boolean;
}

/**
 * Wraps handler methods in Nest's pipeline (guards, interceptors, pipes, exception filters) with
 * the `'fumi'` context type, as controllers are wrapped for HTTP.
 */
@Injectable()
export class FumiContextCreator {
  private readonly paramsFactory = new FumiParamsFactory();
  private readonly contextCreator: ExternalContextCreator;
  private readonly scopedHandlers = new Map<InstanceWrapper, Map<string, WeakMap<ContextId, BoundHandler>>>();

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
    // later phase; the WeakMap lets it go with the session's context id. The pipeline built for
    // the first connection serves all later ones unless an enhancer is itself per connection.
    const perConnection = this.scopedHandlersOf(wrapper, methodName);
    let shared: BuiltPipeline | undefined;
    const bind = async (contextId: ContextId): Promise<BoundHandler> => {
      const instance = await this.moduleRef.resolve<HandlerHost>(wrapper.token as string, contextId, { strict: false });
      const pipeline = shared ?? this.build(instance, methodName, contextId, wrapper.id);
      if (!pipeline.contextual) shared = pipeline;
      const bound: BoundHandler = (ctx, next) => pipeline.run(instance, ctx, next);
      perConnection.set(contextId, bound);
      return bound;
    };
    return {
      ...base,
      invoke: (ctx, next) => {
        const contextId = this.contextIdOf(ctx.session);
        const bound = perConnection.get(contextId);
        return bound ? bound(ctx, next) : bind(contextId).then((handler) => handler(ctx, next));
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
   * A request-scoped method's handlers, one per connection, shared by every phase the method
   * handles: resolving the instance is the dearest step of a connection's first command, and a
   * method with several phase decorators would otherwise do it for each.
   */
  private scopedHandlersOf(wrapper: InstanceWrapper, methodName: string): WeakMap<ContextId, BoundHandler> {
    let methods = this.scopedHandlers.get(wrapper);
    if (!methods) this.scopedHandlers.set(wrapper, (methods = new Map()));
    let handlers = methods.get(methodName);
    if (!handlers) methods.set(methodName, (handlers = new WeakMap()));
    return handlers;
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
