import type { ArgumentsHost, ExecutionContext, Type } from '@nestjs/common';
import type { NextFunction, SmtpContext } from '../context/smtp.context.js';
import type { AnySmtpContext } from '../context/phase-context.map.js';
import type { FumiSession } from '../server/fumi-session.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import { FUMI_CONTEXT_TYPE } from '../fumi.constants.js';

/**
 * The SMTP view of Nest's `ArgumentsHost` for guards, interceptors, filters and
 * `createParamDecorator()` factories. Check `host.getType() === 'fumi'` first in code shared
 * with HTTP.
 *
 * @example
 * canActivate(context: ExecutionContext) {
 *   if (context.getType<FumiContextType>() !== 'fumi') return true;
 *   const session = FumiExecutionContext.create(context).getSession();
 *   return session.user !== undefined;
 * }
 */
export class FumiArgumentsHost {
  protected constructor(protected readonly host: ArgumentsHost) {}

  static create(host: ArgumentsHost): FumiArgumentsHost {
    return new FumiArgumentsHost(host);
  }

  /** The phase context (`MailFromContext`, `DataContext`, ...). */
  getContext<T extends SmtpContext = AnySmtpContext>(): T {
    return this.host.getArgByIndex<T>(0);
  }

  /** The phase being handled. */
  getPhase(): SmtpPhase {
    return this.getContext().phase;
  }

  getSession<TState extends object = Record<string, unknown>, TUser = unknown>(): FumiSession<TState, TUser> {
    return this.getContext().session as unknown as FumiSession<TState, TUser>;
  }

  getNext(): NextFunction {
    return this.host.getArgByIndex<NextFunction>(1);
  }

  /** `'fumi'` for SMTP handlers. */
  getType(): string {
    return this.host.getType();
  }

  /** `true` if the host is an SMTP handler's (not HTTP, RPC, ...). */
  static isFumi(host: ArgumentsHost): boolean {
    return host.getType<string>() === FUMI_CONTEXT_TYPE;
  }
}

/** The SMTP view of Nest's `ExecutionContext`: the host plus the handler's class and method. */
export class FumiExecutionContext extends FumiArgumentsHost {
  protected constructor(private readonly context: ExecutionContext) {
    super(context);
  }

  static override create(context: ExecutionContext): FumiExecutionContext {
    return new FumiExecutionContext(context);
  }

  getClass<T = unknown>(): Type<T> {
    return this.context.getClass<T>();
  }

  getHandler(): Function {
    return this.context.getHandler();
  }
}
