import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How the front answers: pass to the real rspamd, never answer, answer what the test says, or
 * close the connection as a request arrives on it (on a kept-alive one only, or on any) and
 * forward the others.
 */
export type FrontMode =
  | { kind: 'forward' }
  | { kind: 'stall' }
  | { kind: 'answer'; status: number; body: string }
  | { kind: 'reset'; connections: 'reused' | 'all' };

export interface RspamdFront {
  readonly url: string;
  /** Requests that reached it (a circuit breaker that is open sends none). */
  readonly requests: number;
  /** Requests whose connection it closed in `reset` mode, before answering. */
  readonly resets: number;
  /** The headers and body length of the last request. */
  readonly last?: { readonly headers: IncomingMessage['headers']; readonly bodyBytes: number };
  mode: FrontMode;
  close(): Promise<void>;
}

/**
 * An HTTP server in place of rspamd, for what a real one does not do on demand: answer garbage,
 * close a kept-alive connection as it is reused, or (switched at run time) hang and then recover.
 * In `forward` mode it passes requests on to the real rspamd at `upstream`, so the verdicts stay rspamd's,
 * keeping the client's connection alive between them.
 */
export async function startRspamdFront(upstream: string, mode: FrontMode = { kind: 'forward' }): Promise<RspamdFront> {
  const stalled = new Set<ServerResponse>();
  let requests = 0;
  let resets = 0;
  /** Requests seen on each connection: a second one came on a kept-alive connection. */
  const perConnection = new WeakMap<Socket, number>();
  let last: RspamdFront['last'];
  const front = {
    url: '',
    get requests() {
      return requests;
    },
    get resets() {
      return resets;
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
    const seen = (perConnection.get(incoming.socket) ?? 0) + 1;
    perConnection.set(incoming.socket, seen);
    if (current.kind === 'reset' && (current.connections === 'all' || seen > 1)) {
      // as rspamd closing an idle connection the client has just reused
      resets++;
      incoming.socket.destroy();
      return;
    }
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
      // rspamd 3.4's worker closes every connection; the front keeps the client's alive, as a proxy before it may
      const { connection: _connection, 'keep-alive': _keepAlive, ...headers } = answer.headers;
      response.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(response);
    });
    upstreamRequest.once('error', () => response.destroy());
    incoming.pipe(upstreamRequest);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return front;
}
