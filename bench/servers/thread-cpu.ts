import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds of one process by kind of thread, so that work off the JavaScript thread shows. */
export interface ThreadCpu {
  /** The JavaScript thread: what `--cpu-prof` sees. */
  main: number;
  /** V8's platform workers: garbage collection helpers and background compilation. */
  v8Workers: number;
  /** libuv's thread pool: file system calls (a spool file), DNS lookups, crypto. */
  threadPool: number;
}

const TASKS = '/proc/self/task';
/** Linux counts thread CPU in clock ticks, 100 a second on every architecture Node.js runs on. */
const TICKS_PER_SECOND = 100;

/** How a thread's name (`comm`) sorts it; Node.js names the threads it starts. */
function kindOf(tid: string, name: string): keyof ThreadCpu | undefined {
  if (tid === String(process.pid)) return 'main';
  if (name.startsWith('V8')) return 'v8Workers';
  if (name.startsWith('libuv-worker')) return 'threadPool';
  return undefined;
}

/**
 * Each live thread's CPU so far (user + system), keyed by thread id; `undefined` where the
 * kernel does not say (no `/proc`). Threads that ended in between are missed by the difference.
 */
export function readThreadCpu(): Map<string, { kind: keyof ThreadCpu; seconds: number }> | undefined {
  let tids: string[];
  try {
    tids = readdirSync(TASKS);
  } catch {
    return undefined;
  }
  const threads = new Map<string, { kind: keyof ThreadCpu; seconds: number }>();
  for (const tid of tids) {
    try {
      const kind = kindOf(tid, readFileSync(`${TASKS}/${tid}/comm`, 'latin1').trim());
      if (!kind) continue;
      // After the parenthesised name: field 14 (utime) and 15 (stime) of proc(5) are at 11 and 12.
      const fields = readFileSync(`${TASKS}/${tid}/stat`, 'latin1').split(') ')[1]!.split(' ');
      threads.set(tid, { kind, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // the thread ended while being read
    }
  }
  return threads;
}

/** CPU by kind of thread between two readings. */
export function threadCpuBetween(
  before: ReturnType<typeof readThreadCpu>,
  after: ReturnType<typeof readThreadCpu>,
): ThreadCpu | undefined {
  if (!before || !after) return undefined;
  const spent: ThreadCpu = { main: 0, v8Workers: 0, threadPool: 0 };
  for (const [tid, { kind, seconds }] of after) spent[kind] += seconds - (before.get(tid)?.seconds ?? 0);
  return spent;
}
