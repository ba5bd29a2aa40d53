import type { WorkloadSpec } from '../load/workload-spec.js';
import type { LoadCommand, LoadEvent, LoadResult } from './ipc-messages.js';
import { IpcChild } from './ipc-child.js';

const LOADGEN_MAIN = new URL('../load/loadgen-main.js', import.meta.url);

/**
 * Runs one workload from a fresh load-generator process. For the idle workload, `whileHolding`
 * runs at each of its checkpoints, with every connection opened so far open and idle; the load
 * generator goes on when it settles.
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
    for (let checkpoint = 0; spec.kind === 'idle' && checkpoint < spec.checkpoints; checkpoint++) {
      const { connections } = await child.next('holding', timeoutMs);
      try {
        await whileHolding?.(connections);
      } finally {
        child.send({ type: 'proceed' });
      }
    }
    return (await child.next('result', timeoutMs)).result;
  } finally {
    await child.stop(2_000);
  }
}
