/** One server-sent event as received. */
export interface ReceivedEvent {
  type: string;
  id?: string;
  data: string;
}

/**
 * A minimal server-sent events client over fetch, for tests without a browser: `next()` waits
 * for the next event (of a type, if given), `close()` hangs up.
 */
export class SseClient {
  private readonly events: ReceivedEvent[] = [];
  private wake?: () => void;
  private finished = false;

  private constructor(private readonly abort: AbortController) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`${url}: ${response.status}`);
    const client = new SseClient(abort);
    void client.read(response.body);
    return client;
  }

  /** Resolves when the server ended the stream. */
  get ended(): boolean {
    return this.finished;
  }

  async next(type?: string, timeoutMs = 10_000): Promise<ReceivedEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((e) => type === undefined || e.type === type);
      if (index >= 0) return this.events.splice(0, index + 1).pop()!;
      if (this.finished) throw new Error('the event stream ended');
      if (Date.now() > deadline) throw new Error(`no ${type ?? ''} event in time`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  /** Waits until the server ends the stream. */
  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.finished) {
      if (Date.now() > deadline) throw new Error('the event stream did not end');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: ReceivedEvent = { type: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event.type = value;
            else if (field === 'id') event.id = value;
            else if (field === 'data') data.push(value);
          }
          if (data.length) this.events.push({ ...event, data: data.join('\n') });
          this.wake?.();
        }
      }
    } catch {
      // aborted by close(), or the connection dropped: either way the stream is over
    } finally {
      this.finished = true;
      this.wake?.();
    }
  }
}
