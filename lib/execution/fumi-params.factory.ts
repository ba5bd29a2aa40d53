import type { ParamData } from '@nestjs/common';
import type { ParamsFactory } from '@nestjs/core';
import type { NextFunction, SmtpContext } from '../context/smtp.context.js';
import { DataContext } from '../context/data.context.js';
import { FumiParamType } from './fumi-paramtype.enum.js';
import type { FumiSession } from '../server/fumi-session.js';

/** The arguments every SMTP handler is invoked with, and that `host.getArgs()` returns. */
export type FumiHandlerArgs = [ctx: SmtpContext, next: NextFunction];

function field(ctx: SmtpContext, name: string): unknown {
  return name in ctx ? (ctx as unknown as Record<string, unknown>)[name] : undefined;
}

/** Turns a parameter decorator's type into the value it stands for. */
export class FumiParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, data: ParamData, args: FumiHandlerArgs): unknown {
    const [ctx, next] = args;
    switch (type as FumiParamType) {
      case FumiParamType.CONTEXT:
        return ctx;
      case FumiParamType.NEXT:
        return next;
      case FumiParamType.SESSION:
        return typeof data === 'string' ? ctx.session[data as keyof FumiSession] : ctx.session;
      case FumiParamType.ENVELOPE:
        return ctx.session.envelope;
      case FumiParamType.MAIL_FROM:
        return ctx.session.envelope.mailFrom;
      case FumiParamType.ADDRESS:
        return field(ctx, 'address');
      case FumiParamType.CREDENTIALS:
        return field(ctx, 'credentials');
      case FumiParamType.AUTH_USER:
        return ctx.session.user;
      case FumiParamType.MESSAGE_STREAM:
        return field(ctx, 'stream');
      case FumiParamType.PARSED_MAIL:
        // a promise: Nest awaits parameter values before calling the handler
        return ctx instanceof DataContext ? ctx.parse() : undefined;
      default:
        return undefined;
    }
  }
}
