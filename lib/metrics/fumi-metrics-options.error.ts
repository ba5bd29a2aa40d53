import { FumiBootstrapError } from '../errors/fumi-bootstrap.error.js';

/** An option of `FumiMetricsModule.forRoot()` is invalid; `option` names it. */
export class FumiMetricsOptionsError extends FumiBootstrapError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`Invalid FumiMetricsModule option "${option}": ${problem}`);
    this.name = 'FumiMetricsOptionsError';
  }
}
