import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { RSPAMD_CHECK_PATH, RSPAMD_MAX_ANSWER_BYTES } from './fumi-rspamd.constants.js';
import { RSPAMD_MESSAGES } from './fumi-rspamd.messages.js';
import { RspamdRequestError } from './rspamd-request.error.js';

/**
 * Posts messages to rspamd's `/checkv2` over Node's own HTTP client, each body streamed with its
 * `Content-Length` (rspamd wants the length up front), within a time budget covering the whole
 * exchange. Connections are kept alive between messages and closed by `close()`.
 */
export class RspamdClient {
  private readonly endpoint: URL;
  private readonly agent: HttpAgent;

  constructor(url: string) {
    this.endpoint = new URL(RSPAMD_CHECK_PATH, url.endsWith('/') ? url : `${url}/`);
    this.agent = this.endpoint.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /**
   * rspamd's answer, parsed but not yet checked. Rejects with an `RspamdRequestError` when rspamd
   * cannot be reached, answers late or not in JSON; with the body's own error when that fails.
   * `openBody` gives a new stream over the message from its first byte: a request that rspamd's
   * closing of an idle kept-alive connection cut short is sent once more, on a new connection.
   */
  check(openBody: () => Readable, headers: OutgoingHttpHeaders, timeoutMs: number): Promise<unknown> {
    const send = this.endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      let request: ClientRequest | undefined;
      let body: Readable | undefined;
      const settle = (error: Error | undefined, answer?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          request?.destroy();
          body?.destroy();
          reject(error);
        } else resolve(answer);
      };
      const post = (retry: boolean) => {
        const stream = (body = openBody());
        // the spool failing is this server's problem, not rspamd's: it keeps its own error
        stream.once('error', (error) => settle(error));
        // failed as it opened (its bytes gone): rspamd is not bothered
        if (stream.errored) return;
        // a retry takes a connection of its own: the pool may hold more that rspamd has closed
        const outgoing = (request = send(this.endpoint, { method: 'POST', headers, agent: retry ? false : this.agent }));
        let answered = false;
        outgoing.once('error', (error: NodeJS.ErrnoException) => {
          if (!retry && !answered && outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
            stream.destroy();
            return post(true);
          }
          settle(new RspamdRequestError('unreachable', error.message));
        });
        outgoing.once('response', (response) => {
          answered = true;
          readAnswer(response).then((answer) => settle(undefined, answer), settle);
        });
        stream.pipe(outgoing);
      };
      const timer = setTimeout(() => settle(new RspamdRequestError('timeout', RSPAMD_MESSAGES.timedOut(timeoutMs))), timeoutMs);
      post(false);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

async function readAnswer(response: IncomingMessage): Promise<unknown> {
  if (response.statusCode !== 200) {
    response.resume();
    throw new RspamdRequestError('bad-answer', RSPAMD_MESSAGES.httpStatus(response.statusCode));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > RSPAMD_MAX_ANSWER_BYTES) throw new RspamdRequestError('bad-answer', RSPAMD_MESSAGES.answerTooLarge(RSPAMD_MAX_ANSWER_BYTES));
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof RspamdRequestError) throw error;
    throw new RspamdRequestError('unreachable', (error as Error).message);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (error) {
    throw new RspamdRequestError('bad-answer', RSPAMD_MESSAGES.notJson(error));
  }
}
