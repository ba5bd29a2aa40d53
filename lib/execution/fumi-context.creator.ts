import { Injectable } from '@nestjs/common';
import { ContextIdFactory, ExternalContextCreator, ModuleRef, type ContextId } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { NextFunction, SmtpContext } from '../context/smtp.context.js';
import { FUMI_ARGS_METADATA, FUMI_CONTEXT_TYPE } from '../fumi.constants.js';
import { FumiParamsFactory } from './fumi-params.factory.js';
import { FumiParamType } from './fumi-paramtype.enum.js';
import { type FumiSession, kRuntime, type SessionRuntime } from '../server/fumi-session.js';
import { withSmtpGuardDenials } from './guard-denial.js';
import { isPromiseLike, type MaybePromise } from './maybe-async.js';
import type { FumiHandlerMetadata } from '../decorators/fumi-handler-options.interface.js';
import type { FumiHandler } from '../discovery/fumi-handler.interface.js';

type HandlerHost = Record<string, (...args: unknown[]) => unknown>;
/** A handler method inside the guards, interceptors, pipes and filters Nest gave it. */
type Pipeline = (ctx: SmtpContext, next: NextFunction) => Promise<unknown>;

/**
 * Wraps handler methods in Nest's own pipeline (`ExternalContextCreator`, context type
 * `'fumi'`), as @nestjs/microservices wraps message handlers: every guard, interceptor, pipe
 * and exception filter Nest resolves (global, class, method) applies.
 */
@Injectable()
export class FumiContextCreator {
  private readonly paramsFactory = new FumiParamsFactory();
  private readonly contextCreator: ExternalContextCreator;
  /** Request-scoped classes, each with the slot of `SessionRuntime.scoped` for its instance. */
  private readonly instanceSlots = new Map<InstanceWrapper, number>();
  /** Slots of `SessionRuntime.scoped` handed out so far. */
  private slots = 0;

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
    if (!scoped) return { ...base, invoke: this.build(wrapper.instance as HandlerHost, methodName) };

    // Per connection, as Nest builds a request-scoped controller's handler per request: the
    // class's instance for the connection's context, and this method's pipeline around it.
    const slot = this.slots++;
    const instanceSlot = this.instanceSlotOf(wrapper);
    const pipelineFor = (session: FumiSession): MaybePromise<Pipeline> => {
      const scoped = this.slotsOf(session);
      const known = scoped[slot] as MaybePromise<Pipeline> | undefined;
      if (known) return known;
      const contextId = this.contextIdOf(session);
      const built = this.instanceOf(wrapper, instanceSlot, session, contextId).then(
        (instance) => (scoped[slot] = this.build(instance, methodName, contextId, wrapper.id)),
        (error: unknown) => {
          // The phase fails; the connection's next phase tries again.
          scoped[slot] = undefined;
          throw error;
        },
      );
      scoped[slot] = built;
      return built;
    };
    return {
      ...base,
      invoke: (ctx, next) => {
        const run = pipelineFor(ctx.session);
        return isPromiseLike(run) ? run.then((ready) => ready(ctx, next)) : run(ctx, next);
      },
    };
  }

  private build(instance: HandlerHost, methodName: string, contextId?: ContextId, inquirerId?: string): Pipeline {
    return this.contextCreator.create(
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
  }

  /**
   * A request-scoped class's instance for the connection, resolved once and shared by all its
   * handler methods; from the module that declared the class, since another module may provide
   * a class of its own under the same token.
   */
  private instanceOf(wrapper: InstanceWrapper, slot: number, session: FumiSession, contextId: ContextId): Promise<HandlerHost> {
    const scoped = this.slotsOf(session);
    const known = scoped[slot] as Promise<HandlerHost> | undefined;
    if (known) return known;
    const hostModuleRef = wrapper.host?.getProviderByKey<ModuleRef>(ModuleRef)?.instance;
    const resolved = (
      hostModuleRef
        ? hostModuleRef.resolve<HandlerHost>(wrapper.token as string, contextId, { strict: true })
        : this.moduleRef.resolve<HandlerHost>(wrapper.token as string, contextId, { strict: false })
    ).catch((error: unknown) => {
      scoped[slot] = undefined;
      throw error;
    });
    scoped[slot] = resolved;
    return resolved;
  }

  private instanceSlotOf(wrapper: InstanceWrapper): number {
    let slot = this.instanceSlots.get(wrapper);
    if (slot === undefined) this.instanceSlots.set(wrapper, (slot = this.slots++));
    return slot;
  }

  /** The session's slots, made with room for every slot handed out so far. */
  private slotsOf(session: FumiSession): unknown[] {
    return (session[kRuntime].scoped ??= new Array<unknown>(this.slots));
  }

  /**
   * The connection's DI sub-tree: created on first use, with the session as its `REQUEST`.
   * Once the connection is over the session lets it go (releaseContext), and a later lookup
   * (late work of a handler's) opens a new one for the same session.
   */
  private contextIdOf(session: FumiSession): ContextId {
    const runtime = session[kRuntime];
    if (runtime.contextId) return runtime.contextId;
    runtime.releaseContext ??= this.releaseContext;
    return this.openContext(session);
  }

  private readonly openContext = (session: FumiSession): ContextId => {
    const runtime = session[kRuntime];
    runtime.reopenContext = undefined;
    // Asked while the session has none, so that a ContextIdStrategy (durable trees) attaches to it.
    const contextId = ContextIdFactory.getByRequest(session, []);
    runtime.contextId = contextId;
    this.moduleRef.registerRequestByContextId(session, contextId);
    return contextId;
  };

  /**
   * Called once the connection is over: the session drops its context id and what was built for
   * it, and nothing else holds them, so the injector's entries for the context (kept in WeakMaps
   * keyed by it) go with the next collection.
   */
  private readonly releaseContext = (runtime: SessionRuntime): void => {
    runtime.contextId = undefined;
    runtime.scoped = undefined;
    runtime.reopenContext = this.openContext;
  };

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
