import type { WorkloadSpec } from '../load/workload-spec.js';
import type { LoadCommand, LoadEvent, LoadResult } from './ipc-messages.js';
import { IpcChild } from './ipc-child.js';

const LOADGEN_MAIN = new URL('../load/loadgen-main.js', import.meta.url);

/**
 * Runs one workload from a fresh load-generator process. For the idle workload, `whileHolding`
 * runs while every connection is open and idle; the connections are released when it settles.
 */
export async function runLoad(
  port: number,
  spec: WorkloadSpec,
  timeoutMs: number,
  whileHolding?: (connections: number) => Promise<void>,
): Promise<LoadResult> {
  const child = IpcChild.start<LoadCommand, LoadEvent>(`load generator (${spec.kind})`, LOADGEN_MAIN, []);
  try {
    child.send({ type: 'run', port, spec, timeoutMs });
    if (spec.kind === 'idle') {
      const { connections } = await child.next('holding', timeoutMs);
      try {
        await whileHolding?.(connections);
      } finally {
        child.send({ type: 'release' });
      }
    }
    return (await child.next('result', timeoutMs)).result;
  } finally {
    await child.stop(2_000);
  }
}
