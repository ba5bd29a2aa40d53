import { execFileSync } from 'node:child_process';

/**
 * The soft limit on open files (`ulimit -n`) that child processes inherit, or `undefined` when
 * it cannot be read. Each idle connection holds a descriptor in the server and one in the load
 * generator, each in its own process, so each process needs connections + a margin.
 */
export function fileDescriptorLimit(): number | undefined {
  try {
    const output = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return output === 'unlimited' ? Number.POSITIVE_INFINITY : Number(output) || undefined;
  } catch {
    return undefined;
  }
}

/** Descriptors a process needs besides its connections (its own files, pipes, IPC). */
export const DESCRIPTOR_MARGIN = 200;
