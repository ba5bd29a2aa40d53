import type { RunSample } from './run-sample.js';

/** The lowest and highest of a variant's per-round rates over raw smtp-server's. */
export interface RatioRange {
  readonly low: number;
  readonly high: number;
}

/**
 * Each round runs every variant once, one right after the other, so the ratio within a round
 * compares runs that saw the same machine. Their spread tells how far one run's figure can be
 * trusted on a shared machine, which the median alone hides.
 */
export function pairedRatioRange(variant: readonly RunSample[], raw: readonly RunSample[]): RatioRange | undefined {
  const ratios = variant.flatMap((sample, round) => {
    const base = raw[round]?.throughput;
    return base ? [sample.throughput / base] : [];
  });
  if (ratios.length === 0) return undefined;
  return { low: Math.min(...ratios), high: Math.max(...ratios) };
}
