/** A server under test, however it was built: what the server child needs to drive it. */
export interface RunningBenchServer {
  readonly port: number;
  /** Open client connections now (the idle workload checks they are all there). */
  connections(): number;
  close(): Promise<void>;
}
