import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ParserPoolBusyError } from '../../lib/index.js';

/** Seconds a client is asked to wait when every parser is busy: about one large message's parse. */
const RETRY_AFTER_SECONDS = 2;

/** Every parser busy and the queue full: `503` with `Retry-After`, not a wait that piles up. */
@Catch(ParserPoolBusyError)
export class ParserBusyFilter implements ExceptionFilter<ParserPoolBusyError> {
  catch(_error: ParserPoolBusyError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    response.statusCode = 503;
    response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.end(JSON.stringify({ statusCode: 503, message: 'Every message parser is busy, try again shortly' }));
  }
}
