import { jest } from '@jest/globals';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SmtpTestClient } from '../lib/testing/index.js';
import { InboxParserPool } from '../sample/inbox/inbox-parser.pool.js';
import type { MessageDetail, MessageSummary } from '../sample/inbox/message.views.js';
import { hostileCorpus, largeQpHtml } from './support/hostile-mime.js';
import { startSampleWeb, type RunningSample } from './support/sample-web.js';
import { waitFor } from './support/wait-for.js';

const openFiles = async () => (await readdir('/proc/self/fd')).length;
const MB = 1024 * 1024;
const MINUTE = 60_000;

/** Sends each body over SMTP, expecting 250 for every one. */
async function deliver(sample: RunningSample, bodies: string[]): Promise<void> {
  const client = await SmtpTestClient.connect(sample.smtpPort);
  for (const body of bodies) expect((await client.sendMail({ from: 'a@ok.test', to: 'bob@example.test', body })).data?.code).toBe(250);
  await client.quit();
}

async function listed(sample: RunningSample, count: number): Promise<MessageSummary[]> {
  let list: MessageSummary[] = [];
  await waitFor(async () => (list = (await (await fetch(`${sample.url}/api/messages?limit=500`)).json()) as MessageSummary[]).length === count);
  return list;
}

/** Every route a message has, with GET and HEAD: view, HTML, each attachment (and one past them), raw. */
async function openEverywhere(sample: RunningSample, id: string): Promise<{ path: string; method: string; status: number }[]> {
  const seen: { path: string; method: string; status: number }[] = [];
  const call = async (path: string, method: string) => {
    const response = await fetch(`${sample.url}/api/messages/${encodeURIComponent(id)}${path}`, { method });
    await response.arrayBuffer();
    seen.push({ path, method, status: response.status });
    return response;
  };
  const view = (await (await call('', 'GET')).json().catch(() => undefined)) as MessageDetail | undefined;
  await call('', 'HEAD');
  const attachments = view?.attachments.length ?? 0;
  for (const method of ['GET', 'HEAD']) {
    await call('/html', method);
    for (let index = 0; index <= attachments; index++) await call(`/attachments/${index}`, method);
    await call('/raw', method);
  }
  return seen;
}

describe('sample inbox: opening hostile messages', () => {
  let sample: RunningSample;
  let logs: string[];
  afterEach(() => sample?.close());

  it('opens every message of a hostile corpus through every route with no 500, no ERROR line, one WARN per refused message, and no file left open', async () => {
    logs = [];
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAX_MESSAGE_SIZE: String(12 * MB) }, { logs });
    const corpus = hostileCorpus();
    await deliver(sample, corpus.map((m) => m.body));
    const list = await listed(sample, corpus.length);
    const bySubject = new Map(list.map((s) => [s.subject, s.id]));
    await openEverywhere(sample, list[0]!.id); // the parser threads start here: their own handles count from now
    const before = await openFiles();

    for (let round = 0; round < 2; round++) {
      for (const summary of list) {
        const statuses = await openEverywhere(sample, summary.id);
        expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
        expect(statuses.filter((s) => s.path === '/raw').map((s) => s.status)).toEqual([200, 200]);
      }
    }
    const refused = list.filter((s) => ['big header', 'many parts'].includes(s.subject));
    expect(refused).toHaveLength(2);
    for (const summary of refused) {
      const view = (await (await fetch(`${sample.url}/api/messages/${summary.id}`)).json()) as MessageDetail;
      expect(view.parseError).toEqual(
        summary.subject === 'big header'
          ? { reason: 'Max header size for a MIME node exceeded', limit: 'maxHeadSize' }
          : { reason: 'Max allowed child nodes exceeded', limit: 'maxChildNodes' },
      );
      expect(view.headers).toEqual(expect.arrayContaining([{ name: 'Subject', value: summary.subject }]));
      expect(view.raw).toBe(`/api/messages/${summary.id}/raw`);
      const html = await fetch(`${sample.url}/api/messages/${summary.id}/html`);
      expect(html.status).toBe(200);
      expect(await html.text()).toContain(`This message cannot be shown here: ${view.parseError!.reason}. <a href="/api/messages/${summary.id}/raw"`);
      expect(html.headers.get('content-security-policy')).not.toContain('sandbox'); // our notice, whose link works
      const attachment = await fetch(`${sample.url}/api/messages/${summary.id}/attachments/0`);
      expect(attachment.status).toBe(422);
      expect(await attachment.json()).toMatchObject({ statusCode: 422, ...view.parseError });
      expect(logs.filter((line) => line.includes(`message ${summary.id} cannot be parsed`))).toEqual([
        `[Inbox] message ${summary.id} cannot be parsed: ${view.parseError!.reason}; it can still be downloaded as stored (warn)`,
      ]);
    }
    const big = (await (await fetch(`${sample.url}/api/messages/${bySubject.get('9.5 MB QP HTML')}`)).json()) as MessageDetail;
    // too large to make text of by default: the HTML is shown instead
    expect(big).toMatchObject({ hasHtml: true, text: null, textOmitted: 'its HTML is larger than the inbox makes text of (2097152 bytes)' });
    expect((await (await fetch(`${sample.url}/api/messages/${bySubject.get('9.5 MB QP HTML')}/html`)).text()).length).toBeGreaterThan(8 * MB);

    expect(logs.filter((line) => line.endsWith('(error)'))).toEqual([]);
    await waitFor(async () => (await openFiles()) <= before);
  }, 3 * MINUTE); // hundreds of parses of MB-sized messages: minutes on a machine kept busy

  it('closes every file of messages the parser refuses part-way, through every route 50 times, and holds none once they are deleted', async () => {
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAX_MESSAGE_SIZE: String(12 * MB) });
    const [bigHeader] = hostileCorpus();
    // the refusal comes after 1 MB, long before the end of the file
    const body = bigHeader!.body.replace(/\r\nbody\r\n$/, `\r\n${'x'.repeat(76)}\r\n`.repeat(40_000));
    await deliver(sample, [body, body]);
    const list = await listed(sample, 2);
    await openEverywhere(sample, list[0]!.id);
    const before = await openFiles();
    for (let round = 0; round < 50; round++) for (const { id } of list) await openEverywhere(sample, id);
    for (const { id } of list) expect((await fetch(`${sample.url}/api/messages/${id}`, { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => (await openFiles()) <= before);
    // nothing of this process holds a deleted file
    const held = await Promise.all((await readdir('/proc/self/fd')).map((fd) => import('node:fs/promises').then((fs) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => ''))));
    expect(held.filter((target) => target.endsWith('(deleted)'))).toEqual([]);
  }, 5 * MINUTE); // hundreds of parses of MB-sized messages: minutes on a machine kept busy

  it('answers 404, not 500, for a message whose file was removed behind the inbox\'s back, on every route', async () => {
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test' });
    await deliver(sample, ['Subject: soon gone\r\n\r\nbye\r\n']);
    const [{ id }] = await listed(sample, 1);
    await rm(join(sample.maildir, 'bob@example.test', 'new', id));
    for (const path of ['', '/html', '/attachments/0', '/raw']) {
      expect([path, (await fetch(`${sample.url}/api/messages/${id}${path}`)).status]).toEqual([path, 404]);
    }
  });

  it('answers 503 with Retry-After when every parser is busy and the queue is full, and parses once for requests in flight', async () => {
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAX_MESSAGE_SIZE: String(12 * MB), INBOX_PARSE_WORKERS: '1', INBOX_PARSE_QUEUE: '1' });
    await deliver(sample, [1, 2, 3, 4].map((n) => largeQpHtml(2 * MB, `large ${n}`)));
    const list = await listed(sample, 4);
    const parses = jest.spyOn(sample.app.get(InboxParserPool), 'parse');
    const responses = await Promise.all([...list, ...list].map((s) => fetch(`${sample.url}/api/messages/${s.id}`)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    for (const response of responses) {
      if (response.status === 503) expect(response.headers.get('retry-after')).toBe('2');
      await response.arrayBuffer();
    }
    // the same message asked twice at once shares one parse
    const parsed = (id: string) => parses.mock.calls.filter(([source]) => (source as { path: string }).path.endsWith(id)).length;
    const served = list.filter((_, i) => statuses[i] === 200 && statuses[i + 4] === 200);
    expect(served.length).toBeGreaterThanOrEqual(1);
    for (const { id } of served) expect(parsed(id)).toBe(1);
  });

  it('parses nothing past INBOX_MAX_PARSE_BYTES, cuts the text at INBOX_MAX_TEXT_CHARS, makes text of HTML up to INBOX_MAX_HTML_TO_TEXT_BYTES and shows it inline up to INBOX_MAX_INLINE_HTML_BYTES', async () => {
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', INBOX_MAX_PARSE_BYTES: String(64 * 1024), INBOX_MAX_TEXT_CHARS: '100', INBOX_MAX_HTML_TO_TEXT_BYTES: String(30_000), INBOX_MAX_INLINE_HTML_BYTES: String(10_000) });
    await deliver(sample, [`Subject: long\r\n\r\n${'word '.repeat(1000)}\r\n`, `Subject: huge\r\n\r\n${'z'.repeat(100_000)}\r\n`, largeQpHtml(20_000, 'small html')]);
    const list = await listed(sample, 3);
    const small = (await (await fetch(`${sample.url}/api/messages/${list.find((s) => s.subject === 'small html')!.id}`)).json()) as MessageDetail;
    expect(small.text).toContain('cell €');
    const html = await fetch(`${sample.url}/api/messages/${small.id}/html`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('This message cannot be shown here: its HTML is larger than the inbox shows inline (10000 bytes)');
    const long = (await (await fetch(`${sample.url}/api/messages/${list.find((s) => s.subject === 'long')!.id}`)).json()) as MessageDetail;
    expect(long).toMatchObject({ textTruncated: true });
    expect(long.text).toHaveLength(100);
    const huge = (await (await fetch(`${sample.url}/api/messages/${list.find((s) => s.subject === 'huge')!.id}`)).json()) as MessageDetail;
    expect(huge.parseError).toEqual({ reason: 'it is larger than the inbox parses (65536 bytes)', limit: 'maxParseBytes' });
    expect(huge.headers).toEqual(expect.arrayContaining([{ name: 'Subject', value: 'huge' }]));
  });
});
