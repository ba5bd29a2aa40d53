/**
 * Listeners waiting for the next time something happens, each called once: what
 * `EventEmitter.once()` does for one event, without a wrapper per wait (a reader waits once for
 * every chunk it catches up with).
 */
export class Waiters {
  private listeners: (() => void)[] | undefined = undefined;

  add(listener: () => void): void {
    (this.listeners ??= []).push(listener);
  }

  remove(listener: () => void): void {
    const listeners = this.listeners;
    const index = listeners ? listeners.lastIndexOf(listener) : -1;
    if (index !== -1) listeners!.splice(index, 1);
  }

  /**
   * Calls every listener waiting now; those they add wait for the next time. As with `emit()`,
   * a listener that throws stops the call, and the ones after it keep waiting.
   */
  wake(): void {
    const listeners = this.listeners;
    if (!listeners) return;
    this.listeners = undefined;
    let called = 0;
    try {
      while (called < listeners.length) listeners[called++]!();
    } finally {
      if (called < listeners.length) this.listeners = [...listeners.slice(called), ...(this.listeners ?? [])];
    }
  }
}
