/**
 * The shape of one load-generator run. The orchestrator picks the numbers (full or `--quick`);
 * the load generator only follows them.
 */
export type WorkloadSpec = ShortConnectionsSpec | PersistentConnectionsSpec | IdleConnectionsSpec | SmtpSourceSpec;

/** Many connections, one message each: connect, EHLO, one transaction, QUIT. */
export interface ShortConnectionsSpec {
  readonly kind: 'short';
  /** Connections (so messages) in total. */
  readonly connections: number;
  /** Connections in flight at any time. */
  readonly concurrency: number;
  readonly messageBytes: number;
}

/** A few connections, each sending many messages one after the other. */
export interface PersistentConnectionsSpec {
  readonly kind: 'persistent';
  readonly connections: number;
  readonly messagesPerConnection: number;
  readonly messageBytes: number;
}

/** Connections that greet (EHLO) and then sit idle while the orchestrator reads the server's memory. */
export interface IdleConnectionsSpec {
  readonly kind: 'idle';
  readonly connections: number;
  /** Connection attempts in flight while opening, to stay within the listen backlog. */
  readonly openConcurrency: number;
  /** Opened in this many equal steps, all connections held idle after each (a memory reading). */
  readonly checkpoints: number;
}

/** Postfix's `smtp-source`: `sessions` in parallel, `messages` in all, on connections kept open (`-d`) or one each. */
export interface SmtpSourceSpec {
  readonly kind: 'smtp-source';
  readonly persistent: boolean;
  readonly sessions: number;
  readonly messages: number;
  readonly messageBytes: number;
}

/** Whether the load client times each transaction: idle connections send none, `smtp-source` reports none. */
export function reportsLatency(spec: WorkloadSpec): boolean {
  return spec.kind !== 'idle' && spec.kind !== 'smtp-source';
}
