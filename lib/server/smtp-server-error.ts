import type { SMTPServerError } from 'smtp-server';
import type { SmtpException } from '../exceptions/smtp.exception.js';

/**
 * A refusal as smtp-server writes it: the reply code, and the text after the RFC 2034 enhanced
 * code when the server advertises them (smtp-server would otherwise pick its own).
 */
export function toSmtpServerError(exception: SmtpException, enhancedCodes: boolean): SMTPServerError {
  const text = exception.enhancedCode && enhancedCodes ? `${exception.enhancedCode} ${exception.message}` : exception.message;
  return Object.assign(new Error(text), { responseCode: exception.responseCode });
}
