import { HttpException, HttpStatus } from '@nestjs/common';
import { REPLIES } from '../fumi.messages.js';
import { SmtpException } from '../exceptions/smtp.exception.js';

/** How an error becomes a reply, and whether it was a fault worth logging. */
export interface MappedReply {
  readonly exception: SmtpException;
  /** Not an expected refusal: log it. Its text never reaches the client. */
  readonly unexpected: boolean;
}

function httpMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const message = (response as { message: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  return error.message;
}

function fromHttp(error: HttpException): MappedReply {
  const status = error.getStatus();
  const text = httpMessage(error);
  switch (status) {
    case HttpStatus.UNAUTHORIZED:
      return { exception: new SmtpException(text, 530, '5.7.0'), unexpected: false };
    case HttpStatus.FORBIDDEN:
      return { exception: new SmtpException(text, 550, '5.7.1'), unexpected: false };
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return { exception: new SmtpException(text, 552, '5.3.4'), unexpected: false };
    case HttpStatus.TOO_MANY_REQUESTS:
      return { exception: new SmtpException(text, 451, '4.7.1'), unexpected: false };
    case HttpStatus.REQUEST_TIMEOUT:
      // Nest's timeout() interceptor recipe throws it: the client should retry, not give up.
      return { exception: new SmtpException(text, 451, '4.4.2'), unexpected: false };
    case HttpStatus.BAD_REQUEST:
      return { exception: new SmtpException(text, 550, '5.5.4'), unexpected: false };
  }
  if (status >= 400 && status < 500) {
    return { exception: new SmtpException(text, 550), unexpected: false };
  }
  return { exception: localError(), unexpected: true };
}

function localError(): SmtpException {
  return SmtpException.of(REPLIES.localError);
}

/**
 * Maps anything a handler chain throws to the reply the client gets:
 * `SmtpException` as it is, Nest's HTTP exceptions by status (401→530 5.7.0, 403→550 5.7.1,
 * 400→550 5.5.4, 408→451 4.4.2, 413→552 5.3.4, 429→451 4.7.1, other 4xx→550, 5xx→451 4.3.0),
 * everything else to `451 4.3.0` without leaking its text.
 */
export function toSmtpReply(error: unknown): MappedReply {
  if (error instanceof SmtpException) return { exception: error, unexpected: false };
  if (error instanceof HttpException) return fromHttp(error);
  return { exception: localError(), unexpected: true };
}
