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

/** Each live thread's CPU so far (user + system) and its kind, keyed by thread id. */
export type ThreadReading = Map<string, { kind: keyof ThreadCpu; seconds: number }>;

/**
 * The threads' CPU now; `undefined` where the kernel does not say (no `/proc`) or Node.js does
 * not name its threads, so that no column reads 0 for want of a name. Threads that ended in
 * between are missed by the difference.
 */
export function readThreadCpu(): ThreadReading | undefined {
  let tids: string[];
  try {
    tids = readdirSync(TASKS);
  } catch {
    return undefined;
  }
  const threads: ThreadReading = new Map();
  for (const tid of tids) {
    try {
      const kind = kindOf(tid, readFileSync(`${TASKS}/${tid}/comm`, 'latin1').trim());
      if (!kind) continue;
      // After the parenthesised name (which may hold ") " itself): proc(5)'s utime and stime are at 11 and 12.
      const stat = readFileSync(`${TASKS}/${tid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      threads.set(tid, { kind, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // the thread ended while being read
    }
  }
  return [...threads.values()].some((thread) => thread.kind === 'v8Workers') ? threads : undefined;
}

/** CPU by kind of thread between two readings. */
export function threadCpuBetween(before: ThreadReading | undefined, after: ThreadReading | undefined): ThreadCpu | undefined {
  if (!before || !after) return undefined;
  const spent: ThreadCpu = { main: 0, v8Workers: 0, threadPool: 0 };
  for (const [tid, { kind, seconds }] of after) spent[kind] += seconds - (before.get(tid)?.seconds ?? 0);
  return spent;
}
