import { FumiBootstrapError } from './fumi-bootstrap.error.js';

/** An option of `FumiModule.forRoot()` is invalid; `option` names it. */
export class FumiOptionsError extends FumiBootstrapError {
  constructor(
    readonly option: string,
    problem: string,
    server: string,
  ) {
    super(`Invalid FumiModule option "${option}" (server "${server}"): ${problem}`);
    this.name = 'FumiOptionsError';
  }
}
