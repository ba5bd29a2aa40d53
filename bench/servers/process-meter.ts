import { readFileSync, writeFileSync } from 'node:fs';
import { readThreadCpu, threadCpuBetween, type ThreadCpu } from './thread-cpu.js';

const STATUS = '/proc/self/status';

/** Forces a full GC when the process runs with --expose-gc, so RSS readings are comparable. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * CPU time and memory of this process over one workload. Peak RSS comes from the kernel's
 * high-water mark (VmHWM), reset at the start through /proc/self/clear_refs so that what boot
 * allocated does not count; where that is unavailable, RSS is sampled every 10 ms instead.
 */
export class ProcessMeter {
  private cpuAtStart = process.cpuUsage();
  private threadsAtStart = readThreadCpu();
  private baselineRss = 0;
  private sampledPeak = 0;
  private sampler: NodeJS.Timeout | undefined;
  private kernelPeak = false;

  /** Starts measuring; returns the baseline RSS (after a GC). */
  start(): number {
    collectGarbage();
    this.baselineRss = process.memoryUsage.rss();
    this.kernelPeak = resetKernelPeak();
    if (!this.kernelPeak) {
      this.sampledPeak = this.baselineRss;
      this.sampler = setInterval(() => {
        this.sampledPeak = Math.max(this.sampledPeak, process.memoryUsage.rss());
      }, 10);
    }
    this.cpuAtStart = process.cpuUsage();
    this.threadsAtStart = readThreadCpu();
    return this.baselineRss;
  }

  /** RSS now, after a GC: what live objects (e.g. idle sessions) really hold. */
  settledRss(): number {
    collectGarbage();
    return process.memoryUsage.rss();
  }

  stop(): { cpuSeconds: number; cpuByThread?: ThreadCpu; baselineRssBytes: number; peakRssBytes: number } {
    const cpu = process.cpuUsage(this.cpuAtStart);
    const cpuByThread = threadCpuBetween(this.threadsAtStart, readThreadCpu());
    clearInterval(this.sampler);
    const peak = this.kernelPeak ? readKernelPeak() : Math.max(this.sampledPeak, process.memoryUsage.rss());
    return { cpuSeconds: (cpu.user + cpu.system) / 1e6, ...(cpuByThread ? { cpuByThread } : {}), baselineRssBytes: this.baselineRss, peakRssBytes: peak };
  }
}

function resetKernelPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // "5" resets the peak RSS (VmHWM) to the current RSS
    return readKernelPeak() > 0;
  } catch {
    return false;
  }
}

function readKernelPeak(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(STATUS, 'latin1'));
  return match ? Number(match[1]) * 1024 : 0;
}
