import { FumiBootstrapError } from '../errors/fumi-bootstrap.error.js';

/** An option of `FumiQueueModule.forRoot()` is invalid; `option` names it. */
export class FumiQueueOptionsError extends FumiBootstrapError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`Invalid FumiQueueModule option "${option}": ${problem}`);
    this.name = 'FumiQueueOptionsError';
  }
}
