import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ParserPoolBusyError, ParserWorkerError } from '../../lib/index.js';

/** Seconds a client is asked to wait when every parser is busy: about one large message's parse. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Every parser busy and the queue full, or a parser thread that stopped (the app shutting down,
 * a crash): `503` with `Retry-After`, not a wait that piles up nor a 500.
 */
@Catch(ParserPoolBusyError, ParserWorkerError)
export class ParserBusyFilter implements ExceptionFilter<ParserPoolBusyError | ParserWorkerError> {
  catch(_error: ParserPoolBusyError | ParserWorkerError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    response.statusCode = 503;
    response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.end(JSON.stringify({ statusCode: 503, message: 'Every message parser is busy, try again shortly' }));
  }
}
