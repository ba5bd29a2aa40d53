import type { ServerVariant } from './ipc-messages.js';
import type { Summary } from './summary.js';

/** Shares of raw smtp-server's figures on the same workload, per variant. */
interface Shares {
  /** Least messages a second (connections for the idle workload are not held to it). */
  readonly throughput: Partial<Record<ServerVariant, number>>;
  /** Most server CPU per message (per connection for the idle workload). */
  readonly cpu: Partial<Record<ServerVariant, number>>;
}

/** The performance issue's floors: every recorded run must hold them. */
export const FLOORS: Shares = { throughput: { plain: 0.9, full: 0.45 }, cpu: { plain: 1.2 } };
/** Its targets beyond the floors: a miss is named beside the floors' verdict. */
export const TARGETS: Shares = { throughput: { plain: 0.95, full: 0.5 }, cpu: { plain: 1.1 } };
/** Most the server may grow while receiving the 100 MB message: it must stream, not buffer. */
export const HUGE_MESSAGE_GROWTH_MB = 64;
/** Most each idle connection may cost above raw smtp-server's. */
export const EXTRA_KB_PER_IDLE_CONNECTION = 30;

function shortfalls(summary: Summary, raw: Summary, shares: Shares): string[] {
  const missed: string[] = [];
  const rate = shares.throughput[summary.variant];
  const share = summary.throughput / raw.throughput;
  if (rate !== undefined && summary.workload !== 'idle-connections' && share < rate) missed.push(`${share.toFixed(2)} < ${rate} × raw msg/s`);
  const cpu = shares.cpu[summary.variant];
  const cpuShare = summary.cpuMicrosPerUnit / raw.cpuMicrosPerUnit;
  if (cpu !== undefined && cpuShare > cpu) missed.push(`CPU ${cpuShare.toFixed(2)} > ${cpu} × raw`);
  return missed;
}

/**
 * One variant's summary against raw's: `'floors met'`, `'FLOOR MISSED (…)'`, and the targets
 * beyond the floors that it misses; `''` where there is nothing to check.
 */
export function verdict(summary: Summary, raw: Summary | undefined): string {
  if (!raw || summary.variant === 'raw' || summary.variant === 'sink') return '';
  const floors = shortfalls(summary, raw, FLOORS);
  if (summary.workload === 'huge-message' && summary.rssGrowthMb >= HUGE_MESSAGE_GROWTH_MB) {
    floors.push(`growth ≥ ${HUGE_MESSAGE_GROWTH_MB} MB`);
  }
  if (
    summary.kbPerConnection !== undefined &&
    raw.kbPerConnection !== undefined &&
    summary.kbPerConnection - raw.kbPerConnection >= EXTRA_KB_PER_IDLE_CONNECTION
  ) {
    floors.push(`≥ raw + ${EXTRA_KB_PER_IDLE_CONNECTION} KB/conn`);
  }
  if (summary.errors) floors.push(`${summary.errors} errors`);
  const targets = shortfalls(summary, raw, TARGETS);
  const floorPart = floors.length ? `FLOOR MISSED (${floors.join(', ')})` : 'floors met';
  return targets.length ? `${floorPart}; target missed (${targets.join(', ')})` : floorPart;
}
