/**
 * The slope of the least-squares line through `(x, y)` points; `undefined` with fewer than two
 * distinct x. Several readings averaged this way are steadier than two: RSS grows in steps
 * (heap pages, arenas) that a single difference may or may not straddle.
 */
export function leastSquaresSlope(points: readonly (readonly [number, number])[]): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return variance === 0 ? undefined : covariance / variance;
}
