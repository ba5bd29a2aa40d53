import type { PipeTransform, Type } from '@nestjs/common';
import { FumiParamType } from '../execution/fumi-paramtype.enum.js';
import type { FumiSession } from '../server/fumi-session.js';
import { createFumiParamDecorator } from './fumi-param.decorator.js';

type Pipe = Type<PipeTransform> | PipeTransform;

/** The phase context (`MailFromContext`, `DataContext`, ...). */
export const Ctx: (...pipes: Pipe[]) => ParameterDecorator = createFumiParamDecorator(FumiParamType.CONTEXT);

/**
 * The continuation of the chain. A handler that takes it decides when, and whether, the
 * handlers after it run (`await next()`); one that does not is followed by them when it returns.
 */
export const Next: () => ParameterDecorator = createFumiParamDecorator(FumiParamType.NEXT);

/** The session, or one of its properties: `@SmtpSession('remoteAddress') ip: string`. */
export const SmtpSession: (property?: (keyof FumiSession & string) | Pipe, ...pipes: Pipe[]) => ParameterDecorator =
  createFumiParamDecorator(FumiParamType.SESSION);

/** `session.envelope`: the current transaction's sender and accepted recipients. */
export const Envelope: (...pipes: Pipe[]) => ParameterDecorator = createFumiParamDecorator(FumiParamType.ENVELOPE);

/** The sender (`SmtpAddress`) from MAIL FROM on; `undefined` before. */
export const MailFrom: (...pipes: Pipe[]) => ParameterDecorator = createFumiParamDecorator(FumiParamType.MAIL_FROM);

/** The address of the current command: the sender in `onMailFrom`, the recipient in `onRcptTo`. */
export const RcptTo: (...pipes: Pipe[]) => ParameterDecorator = createFumiParamDecorator(FumiParamType.ADDRESS);

/** The AUTH credentials (`onAuth` only). */
export const Credentials: (...pipes: Pipe[]) => ParameterDecorator = createFumiParamDecorator(
  FumiParamType.CREDENTIALS,
);

/** The logged-in user (`session.user`), `undefined` when the client did not authenticate. */
export const AuthUser: (...pipes: Pipe[]) => ParameterDecorator = createFumiParamDecorator(FumiParamType.AUTH_USER);

/** The message body stream (`onData` only). */
export const MessageStream: (...pipes: Pipe[]) => ParameterDecorator = createFumiParamDecorator(
  FumiParamType.MESSAGE_STREAM,
);

/**
 * The message parsed by mailparser (`ParsedMail`: headers, text, html, attachments), once the
 * message is complete: `ctx.parse()` with its defaults (no HTML↔text conversions, on the event
 * loop), once per message however many handlers ask (`onData` only). For other options or a
 * worker pool, call `ctx.parse(options)`.
 */
export const ParsedMail: (...pipes: Pipe[]) => ParameterDecorator = createFumiParamDecorator(FumiParamType.PARSED_MAIL);
