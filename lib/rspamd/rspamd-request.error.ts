import type { RspamdFailureReason } from './rspamd-result.interface.js';

/** rspamd could not be asked, or its answer could not be read; `reason` says which. */
export class RspamdRequestError extends Error {
  constructor(
    readonly reason: Exclude<RspamdFailureReason, 'circuit-open' | 'too-large'>,
    message: string,
  ) {
    super(message);
    this.name = 'RspamdRequestError';
  }
}
