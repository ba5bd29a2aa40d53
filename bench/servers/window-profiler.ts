import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * A CPU profile of the measured run only, taken through the inspector, so that its samples
 * divide by the run's messages: `--cpu-prof` would add boot and warm-up.
 */
export class WindowProfiler {
  private session?: Session;

  async start(): Promise<void> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    this.session = session;
  }

  /** Stops the profiler and writes what it sampled to `file`. */
  async stop(file: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await writeFile(file, JSON.stringify(profile));
  }
}
