/** Why a parser thread could not give a result: the pool was closed, or the thread stopped. */
export type ParserWorkerFailure = 'closed' | 'exited';

/** A parse that a parser thread could not finish; not something the message did. */
export class ParserWorkerError extends Error {
  override readonly name = 'ParserWorkerError';
  readonly code = 'EPARSERWORKER';

  constructor(
    readonly failure: ParserWorkerFailure,
    message: string,
  ) {
    super(message);
  }
}
