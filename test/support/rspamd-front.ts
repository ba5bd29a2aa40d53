import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the front answers: pass to the real rspamd, never answer, or answer what the test says. */
export type FrontMode = { kind: 'forward' } | { kind: 'stall' } | { kind: 'answer'; status: number; body: string };

export interface RspamdFront {
  readonly url: string;
  /** Requests that reached it (a circuit breaker that is open sends none). */
  readonly requests: number;
  /** The headers and body length of the last request. */
  readonly last?: { readonly headers: IncomingMessage['headers']; readonly bodyBytes: number };
  mode: FrontMode;
  close(): Promise<void>;
}

/**
 * An HTTP server in place of rspamd, for what a real one does not do on demand: answer garbage,
 * or (switched at run time) hang and then recover. In `forward` mode it passes requests on to
 * the real rspamd at `upstream`, so the verdicts stay rspamd's.
 */
export async function startRspamdFront(upstream: string, mode: FrontMode = { kind: 'forward' }): Promise<RspamdFront> {
  const stalled = new Set<ServerResponse>();
  let requests = 0;
  let last: RspamdFront['last'];
  const front = {
    url: '',
    get requests() {
      return requests;
    },
    get last() {
      return last;
    },
    mode,
    close: () =>
      new Promise<void>((done) => {
        for (const response of stalled) response.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    requests++;
    const current = front.mode;
    if (current.kind === 'stall') {
      stalled.add(response);
      incoming.resume();
      return;
    }
    if (current.kind === 'answer') {
      let bodyBytes = 0;
      incoming.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
      incoming.once('end', () => (last = { headers: incoming.headers, bodyBytes }));
      incoming.once('end', () => response.writeHead(current.status, { 'Content-Type': 'application/json' }).end(current.body));
      return;
    }
    const upstreamRequest = request(`${upstream}${incoming.url ?? '/'}`, { method: incoming.method, headers: incoming.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstreamRequest.once('error', () => response.destroy());
    incoming.pipe(upstreamRequest);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return front;
}
