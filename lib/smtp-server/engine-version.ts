import { createRequire } from 'node:module';
import { callerFile } from '../runtime/own-file.js';

/** The smtp-server versions whose internals this folder was verified with: CI runs the suite on both. */
export const VERIFIED_ENGINE_VERSIONS = { lowest: '3.21.6', newest: '3.21.7' } as const;

/** The version of the smtp-server this package loads, if its package.json can be read. */
export function engineVersion(): string | undefined {
  try {
    return (createRequire(callerFile())('smtp-server/package.json') as { version?: string }).version;
  } catch {
    return undefined;
  }
}

const parts = (version: string): number[] => version.split(/[.+-]/, 3).map(Number);

function compare(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** A warning naming `version` when it is outside the verified range, else `undefined`. */
export function engineVersionWarning(version: string | undefined): string | undefined {
  const { lowest, newest } = VERIFIED_ENGINE_VERSIONS;
  if (version && compare(version, lowest) >= 0 && compare(version, newest) <= 0) return undefined;
  return (
    `smtp-server ${version ?? '(version unknown)'} is outside the range nestjs-fumi was verified with ` +
    `(${lowest} to ${newest}): the hooks in its smtp-server adapter may not hold`
  );
}

let checked = false;

/** Warns once per process, through `warn`, when the loaded smtp-server is outside the verified range. */
export function checkEngineVersion(warn: (message: string) => void): void {
  if (checked) return;
  checked = true;
  const warning = engineVersionWarning(engineVersion());
  if (warning) warn(warning);
}
