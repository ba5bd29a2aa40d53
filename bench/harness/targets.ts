import type { Summary } from './summary.js';

/** Issue 8's targets, relative to raw smtp-server on the same workload. */
export const TARGETS = {
  /** Minimum messages/second of each variant as a share of raw smtp-server's. */
  throughputShare: { plain: 0.97, full: 0.9 } as Record<string, number>,
  /** Most the server may grow while receiving the 100 MB message: it must stream, not buffer. */
  hugeMessageGrowthMb: 64,
  /** Most each idle connection may cost above raw smtp-server's. */
  extraKbPerIdleConnection: 30,
};

/** `'met'`, `'MISSED'` or `''` (nothing to check) for one variant's summary against raw's. */
export function verdict(summary: Summary, raw: Summary | undefined): string {
  if (!raw || summary.variant === 'raw' || summary.variant === 'sink') return '';
  const failures: string[] = [];
  const share = TARGETS.throughputShare[summary.variant];
  if (share !== undefined && summary.workload !== 'idle-connections' && summary.throughput < share * raw.throughput) {
    failures.push(`< ${share} × raw`);
  }
  if (summary.workload === 'huge-message' && summary.rssGrowthMb >= TARGETS.hugeMessageGrowthMb) {
    failures.push(`growth ≥ ${TARGETS.hugeMessageGrowthMb} MB`);
  }
  if (
    summary.kbPerConnection !== undefined &&
    raw.kbPerConnection !== undefined &&
    summary.kbPerConnection - raw.kbPerConnection >= TARGETS.extraKbPerIdleConnection
  ) {
    failures.push(`≥ raw + ${TARGETS.extraKbPerIdleConnection} KB/conn`);
  }
  if (summary.errors) failures.push(`${summary.errors} errors`);
  return failures.length ? `MISSED (${failures.join(', ')})` : 'met';
}
