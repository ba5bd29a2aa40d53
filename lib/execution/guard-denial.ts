import { ForbiddenException } from '@nestjs/common';
import type { ExternalContextCreator } from '@nestjs/core';
import type { SmtpContext } from '../context/smtp.context.js';
import { REPLIES } from '../fumi.messages.js';
import { SmtpException } from '../exceptions/smtp.exception.js';

/** The text Nest gives the `ForbiddenException` it throws when a guard returns false. */
const GUARD_DENIED_MESSAGE = 'Forbidden resource';

/**
 * The reply for a guard that returned false, per phase: a client that could have logged in but
 * did not is told so (530); otherwise the command is refused as a policy decision.
 */
export function guardDenial(ctx: SmtpContext): SmtpException {
  let reply: { code: number; enhanced: string; text: string } = REPLIES.accessDenied;
  switch (ctx.phase) {
    case 'connect':
    case 'secure':
      reply = REPLIES.connectionDenied;
      break;
    case 'auth':
      reply = REPLIES.authFailed;
      break;
    case 'mailFrom':
    case 'rcptTo':
    case 'data':
      if (ctx.session.user === undefined && ctx.session.server.authEnabled) reply = REPLIES.authRequired;
      break;
  }
  return SmtpException.of(reply);
}

/** A guard's error as the pipeline passes it on: Nest's own denial becomes the phase's reply. */
export function asGuardDenial(error: unknown, ctx: SmtpContext): unknown {
  return error instanceof ForbiddenException && error.message === GUARD_DENIED_MESSAGE ? guardDenial(ctx) : error;
}

/**
 * Nest turns a guard's `false` into a `ForbiddenException`, which its fallback filter logs as an
 * error: noise for what is a routine refusal over SMTP. This derives a context creator whose
 * guard function throws our own (unlogged) per-phase reply instead, leaving everything else,
 * including exceptions the guards throw themselves, as Nest does it.
 */
export function withSmtpGuardDenials(creator: ExternalContextCreator): ExternalContextCreator {
  const derived = Object.create(creator) as ExternalContextCreator;
  derived.createGuardsFn = function (this: ExternalContextCreator, ...params) {
    const canActivate = creator.createGuardsFn.apply(this, params);
    if (!canActivate) return null;
    return async (args: [SmtpContext, ...unknown[]]) => {
      try {
        await canActivate(args);
      } catch (error) {
        throw asGuardDenial(error, args[0]);
      }
    };
  };
  return derived;
}
