import { FumiBootstrapError } from '../errors/fumi-bootstrap.error.js';

/** An option of `FumiMailAuthModule.forRoot()` is invalid; `option` names it. */
export class FumiMailAuthOptionsError extends FumiBootstrapError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`Invalid FumiMailAuthModule option "${option}": ${problem}`);
    this.name = 'FumiMailAuthOptionsError';
  }
}
