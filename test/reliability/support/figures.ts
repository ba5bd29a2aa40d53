import { appendFileSync } from 'node:fs';

/**
 * Records what a reliability test measured, for docs/RELIABILITY.md: with `FUMI_FIGURES=<file>`
 * each call appends one JSON line `{ row, ...figures }` to that file; otherwise it does nothing.
 */
export function recordFigures(row: string, figures: Record<string, unknown>): void {
  const file = process.env.FUMI_FIGURES;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ row, at: new Date().toISOString(), ...figures })}\n`);
}

/** A positive whole number from an environment variable, or `fallback`. */
export function countFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
