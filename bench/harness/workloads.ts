import { hasSmtpSource, SMTP_SOURCE_MISSING } from '../load/smtp-source.js';
import type { WorkloadSpec } from '../load/workload-spec.js';

/** How a workload's memory figure is read. */
export type MemoryFigure =
  /** Peak RSS of the server during the workload. */
  | 'peak'
  /** Peak RSS minus the RSS before the workload: does the server buffer the message? */
  | 'growth'
  /** Slope of RSS against open idle connections, read at several connection counts. */
  | 'per-connection';

export interface Workload {
  readonly name: string;
  readonly title: string;
  readonly spec: WorkloadSpec;
  /** Run before measuring, on the same server, so that the measured run meets warm (JIT-compiled) code. */
  readonly warmup: readonly WorkloadSpec[];
  readonly memory: MemoryFigure;
  /** Longest a single run may take before it is abandoned. */
  readonly timeoutMs: number;
}

const KB = 1024;
const MB = 1024 * 1024;

/**
 * smtp-server holds every greeting back 100 ms, so short-connection throughput can never exceed
 * concurrency / 0.1 s, and a connection's whole life (delay, EHLO, one transaction, QUIT) is
 * nearer 0.15 s. 400 in flight allow some 2,500 a second, about what one core of smtp-server
 * sustains. More would not help: connections arrive in waves (the delay synchronises them), and
 * at 600 the waves overflow the listen backlog, whose dropped SYNs cost 1 s each.
 */
const SHORT_CONCURRENCY = 400;

/** Enough connections in flight that the server never waits for the client. */
const PERSISTENT_CONNECTIONS = 100;

/** Connection attempts in flight while opening idle connections: below the listen backlog (511). */
const IDLE_OPEN_CONCURRENCY = 400;

/** Warm-ups: enough traffic for the JIT to compile the hot paths; `--quick` uses less. */
function warmups(quick: boolean) {
  const scaled = (count: number) => (quick ? Math.ceil(count / 2) : count);
  return {
    messages: { kind: 'persistent', connections: 8, messagesPerConnection: scaled(60), messageBytes: 2 * KB },
    connections: { kind: 'short', connections: scaled(300), concurrency: 100, messageBytes: 2 * KB },
    large: { kind: 'persistent', connections: 2, messagesPerConnection: scaled(5), messageBytes: MB },
  } satisfies Record<string, WorkloadSpec>;
}

/**
 * Every workload, sized for a full run or for `--quick` (the whole bench within two minutes).
 * `maxConnections` caps the idle workload where the open-files limit is lower than it needs.
 */
export function workloads(quick: boolean, maxConnections = Number.POSITIVE_INFINITY): Workload[] {
  // Fewer idle connections would spread the server's fixed memory steps over too few of them.
  const idleConnections = Math.min(quick ? 3_000 : 5_000, maxConnections);
  const warm = warmups(quick);
  return [
    {
      name: 'short-connections',
      title: `short connections, 1 × 2 KB message each, ${SHORT_CONCURRENCY} concurrent`,
      spec: { kind: 'short', connections: quick ? 1_500 : 15_000, concurrency: SHORT_CONCURRENCY, messageBytes: 2 * KB },
      warmup: quick ? [warm.connections] : [warm.connections, warm.messages],
      memory: 'peak',
      timeoutMs: quick ? 30_000 : 120_000,
    },
    {
      name: 'persistent-connections',
      title: `persistent connections, 2 KB messages, ${PERSISTENT_CONNECTIONS} connections`,
      spec: quick
        ? { kind: 'persistent', connections: PERSISTENT_CONNECTIONS, messagesPerConnection: 30, messageBytes: 2 * KB }
        : { kind: 'persistent', connections: PERSISTENT_CONNECTIONS, messagesPerConnection: 250, messageBytes: 2 * KB },
      warmup: [warm.messages],
      memory: 'peak',
      timeoutMs: quick ? 30_000 : 120_000,
    },
    {
      name: 'large-messages',
      title: `1 MB messages, ${quick ? 4 : 8} connections`,
      spec: quick
        ? { kind: 'persistent', connections: 4, messagesPerConnection: 20, messageBytes: MB }
        : { kind: 'persistent', connections: 8, messagesPerConnection: 100, messageBytes: MB },
      warmup: quick ? [warm.large] : [warm.messages, warm.large],
      memory: 'peak',
      timeoutMs: quick ? 30_000 : 120_000,
    },
    {
      name: 'huge-message',
      title: 'one 100 MB message',
      spec: { kind: 'persistent', connections: 1, messagesPerConnection: 1, messageBytes: 100 * MB },
      warmup: quick ? [warm.large] : [warm.messages, warm.large],
      memory: 'growth',
      timeoutMs: 60_000,
    },
    ...smtpSourceWorkloads(quick, warm),
    {
      name: 'idle-connections',
      title: `${idleConnections.toLocaleString('en')} concurrent idle connections`,
      spec: { kind: 'idle', connections: idleConnections, openConcurrency: IDLE_OPEN_CONCURRENCY, checkpoints: 5 },
      warmup: [warm.connections],
      memory: 'per-connection',
      timeoutMs: quick ? 30_000 : 90_000,
    },
  ];
}

/**
 * The same traffic from Postfix's `smtp-source`, a client nobody here wrote that does not
 * pipeline: what an MTA relaying to us sends. Skipped (with how to install it) when missing.
 */
function smtpSourceWorkloads(quick: boolean, warm: ReturnType<typeof warmups>): Workload[] {
  if (!hasSmtpSource()) {
    process.stderr.write(`${SMTP_SOURCE_MISSING}\n`);
    return [];
  }
  const scaled = (count: number) => (quick ? Math.ceil(count / 5) : count);
  return [
    {
      name: 'smtp-source-persistent',
      title: 'smtp-source, persistent connections (-d -s 40), 2 KB messages',
      spec: { kind: 'smtp-source', persistent: true, sessions: 40, messages: scaled(20_000), messageBytes: 2 * KB },
      warmup: [warm.messages],
      memory: 'peak',
      timeoutMs: quick ? 60_000 : 180_000,
    },
    {
      name: 'smtp-source-short',
      title: 'smtp-source, one 2 KB message per connection (-s 300)',
      spec: { kind: 'smtp-source', persistent: false, sessions: 300, messages: scaled(4_000), messageBytes: 2 * KB },
      warmup: [warm.connections],
      memory: 'peak',
      timeoutMs: quick ? 60_000 : 180_000,
    },
    {
      name: 'smtp-source-large',
      title: 'smtp-source, one 1 MB message per connection (-s 10)',
      spec: { kind: 'smtp-source', persistent: false, sessions: 10, messages: scaled(150), messageBytes: MB },
      warmup: [warm.large],
      memory: 'peak',
      timeoutMs: quick ? 60_000 : 180_000,
    },
  ];
}
