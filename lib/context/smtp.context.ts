import type { FumiSession } from '../server/fumi-session.js';
import { REPLIES } from '../fumi.messages.js';
import { SmtpException } from '../exceptions/smtp.exception.js';
import type { SmtpPhase } from './smtp-phase.js';

/** `next()` runs the rest of the phase's chain and settles when it has finished. */
export type NextFunction = () => Promise<void>;

/**
 * What every phase context has: the session and a way to refuse the command.
 * Reach it in a handler with `@Ctx()`.
 */
export abstract class SmtpContext<TState extends object = Record<string, unknown>, TUser = unknown> {
  abstract readonly phase: SmtpPhase;

  constructor(readonly session: FumiSession<TState, TUser>) {}

  /**
   * Refuses the current command with an SMTP reply. Throws, and so never returns:
   * the rest of the chain does not run.
   *
   * @param message reply text (a sensible default per code)
   * @param code reply code, 550 by default (535 in `onAuth`)
   * @param enhancedCode RFC 3463 code such as `5.7.1`
   */
  reject(message?: string, code?: number, enhancedCode?: string): never {
    const fallback = this.defaultRejection();
    const responseCode = code ?? fallback.code;
    throw new SmtpException(
      message ?? fallback.text,
      responseCode,
      enhancedCode ?? (responseCode === fallback.code ? fallback.enhanced : undefined),
    );
  }

  protected defaultRejection(): { code: number; enhanced: string; text: string } {
    return REPLIES.rejected;
  }
}
