import { runInThisContext } from 'node:vm';

/**
 * The Node.js process itself. Jest hands each test file a copy of `process` whose listeners
 * never hear process-wide events such as 'unhandledRejection'; the main context has the real one.
 */
const nodeProcess = runInThisContext('process') as NodeJS.Process;

/** What reached the process without being handled while the watch was on. */
export interface ProcessFaults {
  readonly unhandledRejections: unknown[];
  readonly uncaughtExceptions: unknown[];
  /** Removes the listeners. */
  stop(): void;
}

/** Starts recording unhandled rejections and uncaught exceptions of the whole process. */
export function watchProcessFaults(): ProcessFaults {
  const unhandledRejections: unknown[] = [];
  const uncaughtExceptions: unknown[] = [];
  const onRejection = (reason: unknown) => unhandledRejections.push(reason);
  const onException = (error: unknown) => uncaughtExceptions.push(error);
  nodeProcess.on('unhandledRejection', onRejection);
  nodeProcess.on('uncaughtException', onException);
  return {
    unhandledRejections,
    uncaughtExceptions,
    stop() {
      nodeProcess.off('unhandledRejection', onRejection);
      nodeProcess.off('uncaughtException', onException);
    },
  };
}
