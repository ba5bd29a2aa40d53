import { FumiBootstrapError } from '../errors/fumi-bootstrap.error.js';

/** An option of `FumiRspamdModule.forRoot()` is invalid; `option` names it. */
export class FumiRspamdOptionsError extends FumiBootstrapError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`Invalid FumiRspamdModule option "${option}": ${problem}`);
    this.name = 'FumiRspamdOptionsError';
  }
}
