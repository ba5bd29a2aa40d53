import { Injectable } from '@nestjs/common';
import { ContextIdFactory, ExternalContextCreator, ModuleRef, type ContextId } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { createDirectInvoker, type PipelineFn, recordingEnhancers } from './direct-invoker.js';
import { FUMI_ARGS_METADATA, FUMI_CONTEXT_TYPE } from './fumi.constants.js';
import { FumiParamsFactory } from './fumi-params.factory.js';
import { FumiParamType } from './fumi-paramtype.enum.js';
import { type FumiSession, kRuntime } from './fumi-session.js';
import { withSmtpGuardDenials } from './guard-denial.js';
import type { FumiHandlerMetadata } from './interfaces/fumi-handler-options.interface.js';
import type { FumiHandler } from './interfaces/fumi-handler.interface.js';

type HandlerHost = Record<string, (...args: unknown[]) => unknown>;

/**
 * Wraps handler methods in Nest's pipeline (guards, interceptors, pipes, exception filters) with
 * the `'fumi'` context type, as controllers are wrapped for HTTP.
 */
@Injectable()
export class FumiContextCreator {
  private readonly paramsFactory = new FumiParamsFactory();
  private readonly contextCreator: ExternalContextCreator;
  private readonly scopedPipelines = new Map<InstanceWrapper, Map<string, WeakMap<ContextId, PipelineFn>>>();

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
      const invoke = this.wrap(wrapper.instance as HandlerHost, methodName);
      return { ...base, invoke };
    }
    // One instance per connection, resolved on the connection's first call and reused by every
    // later phase; the WeakMap lets it go with the session's context id.
    const perConnection = this.scopedPipelinesOf(wrapper, methodName);
    return {
      ...base,
      invoke: async (ctx, next) => {
        const contextId = this.contextIdOf(ctx.session);
        let invoke = perConnection.get(contextId);
        if (!invoke) {
          const instance = await this.moduleRef.resolve<HandlerHost>(wrapper.token as string, contextId, {
            strict: false,
          });
          invoke = this.wrap(instance, methodName, contextId, wrapper.id);
          perConnection.set(contextId, invoke);
        }
        return invoke(ctx, next);
      },
    };
  }

  private wrap(instance: HandlerHost, methodName: string, contextId?: ContextId, inquirerId?: string): PipelineFn {
    const { creator, resolved } = recordingEnhancers(this.contextCreator);
    const fn = creator.create(
      instance,
      instance[methodName]!,
      methodName,
      FUMI_ARGS_METADATA,
      this.paramsFactory,
      contextId,
      inquirerId,
      { guards: true, interceptors: true, filters: true },
      FUMI_CONTEXT_TYPE,
    );
    return createDirectInvoker(instance, instance[methodName]!, resolved) ?? ((ctx, next) => fn(ctx, next));
  }

  /**
   * A request-scoped method's pipelines, one per connection, shared by every phase the method
   * handles: building a pipeline is the dearest step of a connection's first command, and a
   * method with several phase decorators would otherwise build the same one for each.
   */
  private scopedPipelinesOf(wrapper: InstanceWrapper, methodName: string): WeakMap<ContextId, PipelineFn> {
    let methods = this.scopedPipelines.get(wrapper);
    if (!methods) this.scopedPipelines.set(wrapper, (methods = new Map()));
    let pipelines = methods.get(methodName);
    if (!pipelines) methods.set(methodName, (pipelines = new WeakMap()));
    return pipelines;
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
