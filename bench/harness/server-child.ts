import { NO_SPOOL_FILE_ARGUMENT, type ServerCommand, type ServerEvent, type ServerMeasurement, type ServerVariant } from './ipc-messages.js';
import { IpcChild } from './ipc-child.js';

const SERVER_MAIN = new URL('../servers/server-main.js', import.meta.url);
const STEP_TIMEOUT_MS = 30_000;

/** How a server under test is started, beyond its variant. */
export interface ServerSettings {
  /** Profile each measured run's CPU, writing `<workload>.<variant>.<time>.<messages>.cpuprofile` here. */
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
  static async start(variant: ServerVariant, { spoolFile = true }: ServerSettings = {}): Promise<ServerChild> {
    const ownFlags = process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
    const execArgv = ['--expose-gc', ...ownFlags];
    const child = IpcChild.start<ServerCommand, ServerEvent>(`${variant} server`, SERVER_MAIN, [variant, ...(spoolFile ? [] : [NO_SPOOL_FILE_ARGUMENT])], execArgv);
    try {
      const { port } = await child.next('ready', STEP_TIMEOUT_MS);
      return new ServerChild(child, port);
    } catch (error) {
      await child.stop(1_000);
      throw error;
    }
  }

  /** `profile`: a file for a CPU profile of the measured run. */
  async measureStart(profile?: string): Promise<number> {
    this.child.send({ type: 'measure-start', ...(profile ? { profile } : {}) });
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
