import type { SmtpPhase } from '../context/smtp-phase.js';

/** Options of the phase decorators (`@OnMailFrom({ ... })` and the others). */
export interface FumiHandlerOptions {
  /**
   * The server this handler serves, as named in `FumiModule.forRoot({ name })`.
   * Omitted: the default server.
   */
  server?: string;
  /**
   * Higher runs earlier in the phase's chain (default 0). Equal priorities keep a stable order:
   * module import order, then provider order, then declaration order in the class.
   */
  priority?: number;
}

/** What a phase decorator records on a method. */
export interface FumiHandlerMetadata {
  readonly phase: SmtpPhase;
  readonly server: string;
  readonly priority: number;
}
