/** The module cannot start as configured; the message says what to change. */
export class FumiBootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FumiBootstrapError';
  }
}
