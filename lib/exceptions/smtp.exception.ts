import { IntrinsicException } from '@nestjs/common';
import type { CannedReply } from '../fumi.messages.js';

/**
 * The error that becomes an SMTP reply. Throw it from a handler, guard, pipe, interceptor or
 * exception filter to answer the current command with your own code and text.
 *
 * It is an expected outcome, not a fault: Nest does not log it.
 *
 * @example
 * throw new SmtpException('Relay access denied', 550, '5.7.1');
 */
export class SmtpException extends IntrinsicException {
  constructor(
    message: string,
    /** The three-digit reply code, 4xx (try again later) or 5xx (permanent). */
    readonly responseCode = 550,
    /** RFC 3463 enhanced status code, e.g. `5.7.1`, shown when the client can take it. */
    readonly enhancedCode?: string,
  ) {
    super(message);
    if (!Number.isInteger(responseCode) || responseCode < 400 || responseCode > 599) {
      throw new RangeError(`SmtpException responseCode must be a 4xx or 5xx code, got ${responseCode}`);
    }
    if (enhancedCode !== undefined && !/^[245]\.\d{1,3}\.\d{1,3}$/.test(enhancedCode)) {
      throw new RangeError(`SmtpException enhancedCode must look like 5.7.1, got ${enhancedCode}`);
    }
    this.name = 'SmtpException';
  }

  /** The exception for one of the module's canned replies (`REPLIES.localError`, ...). */
  static of(reply: CannedReply): SmtpException {
    return new SmtpException(reply.text, reply.code, reply.enhanced);
  }
}

/**
 * fumi's name for `SmtpException`, so that fumi code throwing `new SMTPError(message, code)`
 * ports by changing its import. The code defaults to 550, as in fumi.
 */
export const SMTPError = SmtpException;
/** fumi's name for `SmtpException`. */
export type SMTPError = SmtpException;
