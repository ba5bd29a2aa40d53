import type { RunSample } from './run-sample.js';

/** The lowest and highest of a variant's per-round figures over raw smtp-server's (rates, by default). */
export interface RatioRange {
  readonly low: number;
  readonly high: number;
}

/**
 * Each round runs every variant once, one right after the other, so the ratio within a round
 * compares runs that saw the same machine. Their spread tells how far one run's figure can be
 * trusted on a shared machine, which the median alone hides.
 */
export function pairedRatioRange(
  variant: readonly RunSample[],
  raw: readonly RunSample[],
  figure: (sample: RunSample) => number = (sample) => sample.throughput,
): RatioRange | undefined {
  const ratios = variant.flatMap((sample, round) => {
    const base = raw[round] && figure(raw[round]);
    return base ? [figure(sample) / base] : [];
  });
  if (ratios.length === 0) return undefined;
  return { low: Math.min(...ratios), high: Math.max(...ratios) };
}
