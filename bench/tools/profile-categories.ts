/** Where a profiled function's time is counted in the accounting of plain against raw. */

export interface CallFrame {
  functionName: string;
  url: string;
}

/** Native calls that reach the kernel, by what they reach. */
const NATIVE_SOCKET = new Set(['writeUtf8String', 'writeBuffer', 'writev', 'writeLatin1String', 'shutdown', 'readStart', 'readStop']);
const NATIVE_FILES = new Set(['open', 'close', 'unlink', 'write', 'writeBuffers', 'read', 'fstat', 'mkdir', 'rm', 'utimes']);

/** Node.js's own modules, grouped by what they do for an SMTP server. */
function nodeModule(url: string): string {
  if (/node:internal\/streams\//.test(url) || url === 'node:stream') return 'Node.js streams';
  if (/node:net|stream_base_commons|node:internal\/net/.test(url)) return 'Node.js sockets';
  if (url === 'node:events') return 'Node.js events';
  if (/task_queues|node:internal\/timers|async_hooks/.test(url)) return 'Node.js ticks and timers';
  if (/node:buffer|node:internal\/buffer/.test(url)) return 'Node.js buffers';
  if (/node:fs|node:internal\/fs\//.test(url)) return 'Node.js files';
  if (/node:internal\/crypto|node:crypto/.test(url)) return 'Node.js crypto';
  return 'Node.js, other';
}

/**
 * The row a frame's self time goes to: the runtime's pseudo-frames, kernel-bound native calls,
 * Node.js by module, a package by name, and this library by folder.
 */
export function categoryOf({ functionName, url }: CallFrame): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collection (JavaScript thread)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)' || functionName === '(root)') return 'V8 and Node.js native code';
    if (NATIVE_SOCKET.has(functionName)) return 'socket writes (native)';
    if (NATIVE_FILES.has(functionName)) return 'file system calls (native)';
    if (functionName === 'runMicrotasks') return 'Node.js ticks and timers';
    return 'V8 and Node.js native code';
  }
  if (url === 'node:inspector') return '(profiler)';
  if (url.startsWith('wasm://')) return 'lib/line-endings';
  if (url.startsWith('node:')) return nodeModule(url);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  // a build of this project, wherever it was compiled to: the last lib/, bench/ or sample/ of the path
  const local = /^.*\/(lib|bench|sample)\/(?:([^/]+)\/)?(?:[^/]+\/)*[^/]+\.js$/.exec(url);
  if (local) return local[1] === 'lib' && local[2] ? `lib/${local[2]}` : local[1]!;
  return 'other';
}
