import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection without `--expose-gc` on the command line: V8 flags set at run time
 * apply to contexts created afterwards, and such a context has `gc()`.
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Heap, RSS and open handles (by type, from `process.getActiveResourcesInfo()`) at one moment. */
export interface ResourceSnapshot {
  readonly heapUsed: number;
  readonly rss: number;
  /** Memory outside the V8 heap held by JS objects: Buffers and the like. */
  readonly external: number;
  readonly resources: Readonly<Record<string, number>>;
}

/** Resources after a full garbage collection (twice, with a turn of the event loop between). */
export async function measureResources(): Promise<ResourceSnapshot> {
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  const { heapUsed, rss, external } = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  return { heapUsed, rss, external, resources };
}

/**
 * Resource types there are more of in `after` than in `before`, with how many more, leaving out
 * `ignored` ones. Immediates are always left out: each lives for one turn of the event loop, so
 * one caught in flight is no leak.
 */
export function resourcesGained(
  before: ResourceSnapshot,
  after: ResourceSnapshot,
  ignored: readonly string[] = [],
): Record<string, number> {
  const gained: Record<string, number> = {};
  for (const [type, count] of Object.entries(after.resources)) {
    if (type === 'Immediate' || ignored.includes(type)) continue;
    const more = count - (before.resources[type] ?? 0);
    if (more > 0) gained[type] = more;
  }
  return gained;
}

export const megabytes = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Heap, external memory and RSS before and after, in megabytes, for a test's recorded figures. */
export function memoryFigures(before: ResourceSnapshot, after: ResourceSnapshot) {
  return {
    heapBeforeMB: megabytes(before.heapUsed),
    heapAfterMB: megabytes(after.heapUsed),
    externalBeforeMB: megabytes(before.external),
    externalAfterMB: megabytes(after.external),
    rssBeforeMB: megabytes(before.rss),
    rssAfterMB: megabytes(after.rss),
  };
}
