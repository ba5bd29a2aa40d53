import { NO_SPOOL_FILE_ARGUMENT, type ServerCommand, type ServerEvent, type ServerMeasurement, type ServerVariant } from './ipc-messages.js';
import { IpcChild } from './ipc-child.js';

const SERVER_MAIN = new URL('../servers/server-main.js', import.meta.url);
const STEP_TIMEOUT_MS = 30_000;

/** How a server under test is started, beyond its variant. */
export interface ServerSettings {
  /** Run the server with `--cpu-prof`, writing its profile here on exit. */
  readonly profileDir?: string;
  /** `false`: the FumiModule variants run with `spoolDirectory: false` (`--no-spool-file`). */
  readonly spoolFile?: boolean;
}

/** One server under test in its own process, measured on request. */
export class ServerChild {
  private constructor(
    private readonly child: IpcChild<ServerCommand, ServerEvent>,
    readonly port: number,
  ) {}

  /** `BENCH_SERVER_FLAGS` adds Node.js flags of one's own (`--trace-gc`, say). */
  static async start(variant: ServerVariant, { profileDir, spoolFile = true }: ServerSettings = {}): Promise<ServerChild> {
    const ownFlags = process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
    const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const execArgv = ['--expose-gc', ...ownFlags, ...profiling];
    const child = IpcChild.start<ServerCommand, ServerEvent>(`${variant} server`, SERVER_MAIN, [variant, ...(spoolFile ? [] : [NO_SPOOL_FILE_ARGUMENT])], execArgv);
    try {
      const { port } = await child.next('ready', STEP_TIMEOUT_MS);
      return new ServerChild(child, port);
    } catch (error) {
      await child.stop(1_000);
      throw error;
    }
  }

  async measureStart(): Promise<number> {
    this.child.send({ type: 'measure-start' });
    return (await this.child.next('measure-started', STEP_TIMEOUT_MS)).baselineRssBytes;
  }

  async snapshot(): Promise<{ rssBytes: number; openConnections: number }> {
    this.child.send({ type: 'snapshot' });
    return this.child.next('snapshot', STEP_TIMEOUT_MS);
  }

  async measureStop(): Promise<ServerMeasurement> {
    this.child.send({ type: 'measure-stop' });
    return (await this.child.next('measured', STEP_TIMEOUT_MS)).report;
  }

  stop(): Promise<void> {
    return this.child.stop(5_000, { type: 'exit' });
  }
}
