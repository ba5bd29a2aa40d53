/** Counts what a load run achieved and what went wrong, shared by its concurrent workers. */
export class RunOutcome {
  messages = 0;
  connections = 0;
  errors = 0;
  firstError: string | undefined;

  fail(error: unknown): void {
    this.errors++;
    this.firstError ??= error instanceof Error ? error.message : String(error);
  }
}
