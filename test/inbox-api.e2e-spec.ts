import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { SmtpTestClient } from '../lib/testing/index.js';
import { MESSAGE_HTML_CSP } from '../sample/inbox/inbox.controller.js';
import type { MessageDetail, MessageSummary } from '../sample/inbox/message.views.js';
import type { SessionView } from '../sample/live/session-log.js';
import { PAGE_CSP } from '../sample/web/pages.controller.js';
import { send, startSampleWeb, type RunningSample } from './support/sample-web.js';
import { SseClient } from './support/sse.js';

/** A GET with the path sent exactly as written: fetch() would resolve `..` and `%2e%2e` first. */
function rawGet(sample: RunningSample, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(sample.url);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;

describe('sample HTTP API: inbox and live sessions', () => {
  let sample: RunningSample;
  const api = (path: string, init?: RequestInit) => fetch(sample.url + path, init);

  beforeEach(async () => {
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test' });
  });
  afterEach(async () => {
    await sample.close();
  });

  it('lists a message once with all its mailboxes, and serves its parts', async () => {
    expect(await json(await api('/api/messages'))).toEqual([]);
    await send(sample, {
      from: '"Ann" <ann@elsewhere.test>',
      to: ['bob@example.test', 'Carol@Example.test'],
      subject: 'Plans für 2027',
      text: 'See the attachments.',
      html: '<p>See the <b>attachments</b>.</p>',
      attachments: [
        { filename: 'résumé "final".pdf', content: Buffer.from('%PDF-1.4 fake'), contentType: 'application/pdf' },
        { filename: 'notes.txt', content: 'a\nb\n' },
      ],
    });

    const list = await json<MessageSummary[]>(await api('/api/messages'));
    expect(list).toHaveLength(1);
    const [summary] = list as [MessageSummary];
    const file = join(sample.maildir, 'bob@example.test', 'new', summary.id);
    const stored = await readFile(file);
    expect(summary).toMatchObject({
      mailboxes: ['bob@example.test', 'carol@example.test'],
      from: '"Ann" <ann@elsewhere.test>',
      to: 'bob@example.test, Carol@example.test', // as mailparser renders it
      subject: 'Plans für 2027',
      size: stored.length,
    });
    expect(Date.parse(summary.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(await json(await api('/api/messages?mailbox=carol@example.test'))).toHaveLength(1);
    expect(await json(await api('/api/messages?mailbox=dave@example.test'))).toEqual([]);

    const detail = await json<MessageDetail>(await api(`/api/messages/${summary.id}`));
    expect(detail).toMatchObject({ ...summary, text: 'See the attachments.', hasHtml: true });
    expect(detail.headers[0]).toMatchObject({ name: 'Received' });
    expect(detail.headers[0]!.value).toMatch(/by mx\.example\.test with ESMTP id/);
    expect(detail.headers.find((h) => h.name === 'Subject')?.value).toMatch(/^=\?UTF-8\?/i); // as sent
    expect(detail.attachments).toEqual([
      { index: 0, filename: 'résumé "final".pdf', contentType: 'application/pdf', size: 13, disposition: 'attachment' },
      { index: 1, filename: 'notes.txt', contentType: 'text/plain', size: 4, disposition: 'attachment' },
    ]);

    const raw = await api(`/api/messages/${summary.id}/raw`);
    expect(raw.headers.get('content-type')).toBe('message/rfc822');
    expect(raw.headers.get('content-disposition')).toBe(`attachment; filename="${summary.id}.eml"; filename*=UTF-8''${summary.id}.eml`);
    expect(Buffer.from(await raw.arrayBuffer()).equals(stored)).toBe(true);

    const html = await api(`/api/messages/${summary.id}/html`);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toBe(MESSAGE_HTML_CSP);
    expect(await html.text()).toBe('<p>See the <b>attachments</b>.</p>');

    const pdf = await api(`/api/messages/${summary.id}/attachments/0`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(
      `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
    expect(pdf.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await pdf.text()).toBe('%PDF-1.4 fake');
    expect(await (await api(`/api/messages/${summary.id}/attachments/1`)).text()).toBe('a\nb\n');
    expect((await api(`/api/messages/${summary.id}/attachments/2`)).status).toBe(404);
    expect((await api(`/api/messages/${summary.id}/attachments/x`)).status).toBe(400);
  });

  it('deletes one message from every mailbox, then all messages', async () => {
    await send(sample, { from: 'a@elsewhere.test', to: ['bob@example.test', 'carol@example.test'], subject: 'one', text: '1' });
    await send(sample, { from: 'a@elsewhere.test', to: 'bob@example.test', subject: 'two', text: '2' });
    await send(sample, { from: 'a@elsewhere.test', to: 'carol@example.test', subject: 'three', text: '3' });
    const list = await json<MessageSummary[]>(await api('/api/messages'));
    expect(list.map((m) => m.subject)).toEqual(['three', 'two', 'one']); // newest first
    const one = list[2]!;

    expect((await api(`/api/messages/${one.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await readdir(join(sample.maildir, 'bob@example.test', 'new'))).toHaveLength(1);
    expect(await readdir(join(sample.maildir, 'carol@example.test', 'new'))).toHaveLength(1);
    expect((await api(`/api/messages/${one.id}`)).status).toBe(404);
    expect((await api(`/api/messages/${one.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(`/api/messages/${one.id}/html`)).status).toBe(404);

    expect(await json(await api('/api/messages', { method: 'DELETE' }))).toEqual({ deleted: 2 });
    expect(await json(await api('/api/messages'))).toEqual([]);
    expect(await readdir(join(sample.maildir, 'bob@example.test', 'new'))).toEqual([]);
  });

  it('finds messages only by id: nothing outside the mailboxes can be reached', async () => {
    await mkdir(join(sample.maildir, '.spool'), { recursive: true });
    await writeFile(join(sample.maildir, '.spool', 'secret'), 'Subject: secret\r\n\r\nsecret\r\n');
    await writeFile(join(sample.maildir, 'secret'), 'Subject: secret\r\n\r\nsecret\r\n');
    for (const path of [
      '/api/messages/..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/messages/%2e%2e%2fsecret',
      '/api/messages/.spool',
      '/api/messages/..',
      '/api/messages/%2Fetc%2Fpasswd',
      '/api/messages/bob@example.test%2Fnew%2Fx',
      '/api/messages/a%5C..%5Csecret',
      '/api/messages/x%00y',
    ]) {
      const { status, body } = await rawGet(sample, path);
      expect([400, 404]).toContain(status);
      expect(body).not.toContain('secret\r\n');
    }
    expect((await api('/api/messages/secret')).status).toBe(404); // a file, but not in a mailbox
    expect((await api('/api/messages/secret/raw')).status).toBe(404);
  });

  it('tells event-stream clients about stored and deleted messages', async () => {
    const events = await SseClient.open(`${sample.url}/api/events/messages`);
    try {
      await send(sample, { from: 'a@elsewhere.test', to: 'bob@example.test', subject: 'live', text: 'x' });
      const stored = await events.next('stored');
      const summary = JSON.parse(stored.data) as MessageSummary;
      expect(summary).toMatchObject({ subject: 'live', mailboxes: ['bob@example.test'] });
      await api(`/api/messages/${summary.id}`, { method: 'DELETE' });
      expect(JSON.parse((await events.next('deleted')).data)).toEqual({ ids: [summary.id] });
    } finally {
      events.close();
    }
  });

  it('lists recent SMTP sessions with every answered phase, refusals included', async () => {
    const client = await SmtpTestClient.connect(sample.smtpPort);
    await client.ehlo('api.client.test');
    await client.send('MAIL FROM:<x@elsewhere.test>');
    await client.send('RCPT TO:<bob@example.test>');
    expect((await client.send('RCPT TO:<eve@far.away>')).code).toBe(550);
    await client.data('Subject: s\r\n\r\nbody\r\n');
    await client.quit();
    await client.closed;

    let sessions: SessionView[] = [];
    for (let i = 0; i < 100 && !sessions[0]?.closedAt; i++) {
      sessions = await json<SessionView[]>(await api('/api/sessions'));
      if (!sessions[0]?.closedAt) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [session] = sessions as [SessionView];
    expect(session).toMatchObject({ remoteAddress: '127.0.0.1', clientHostname: 'api.client.test', server: 'default' });
    expect(session.events.map((e) => [e.phase, e.code, e.ok, e.address ?? null])).toEqual([
      ['connect', 220, true, null],
      ['mailFrom', 250, true, 'x@elsewhere.test'],
      ['rcptTo', 250, true, 'bob@example.test'],
      ['rcptTo', 550, false, 'eve@far.away'],
      ['data', 250, true, null],
      ['close', undefined, true, null],
    ]);
    expect(session.events[3]!.message).toBe('Relay access denied');
  });

  it('streams session events: history first, then live; a reconnecting client gets only what it missed', async () => {
    const first = await SmtpTestClient.connect(sample.smtpPort);
    await first.ehlo('first.test');
    const stream = await SseClient.open(`${sample.url}/api/events/sessions`);
    let lastId: string;
    try {
      const connect = await stream.next('session');
      expect(JSON.parse(connect.data)).toMatchObject({ phase: 'connect', code: 220 }); // from history
      lastId = connect.id!;
      await first.send('MAIL FROM:<spam@blocked.example>');
      const refused = JSON.parse((await stream.next('session')).data) as SessionView['events'][number];
      expect(refused).toMatchObject({ phase: 'mailFrom', code: 550, ok: false, message: 'Sender domain blocked' });
    } finally {
      stream.close();
    }
    const again = await SseClient.open(`${sample.url}/api/events/sessions`, { 'last-event-id': lastId });
    try {
      expect(JSON.parse((await again.next('session')).data)).toMatchObject({ phase: 'mailFrom', code: 550 });
    } finally {
      again.close();
    }
    await first.quit();
  });

  it('serves the pages with a strict CSP, only its own assets, and safe headers everywhere', async () => {
    for (const path of ['/', '/live']) {
      const page = await api(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
      expect(await page.text()).not.toMatch(/https?:\/\//); // nothing from elsewhere
    }
    for (const asset of ['ui.js', 'inbox.js', 'live.js', 'style.css']) {
      const response = await api(`/assets/${asset}`);
      expect(response.status).toBe(200);
      expect(await response.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    }
    expect((await api('/assets/nope.js')).status).toBe(404);
    expect((await rawGet(sample, '/assets/..%2F..%2Fapp.module.ts')).status).toBe(404);
    const list = await api('/api/messages');
    expect(list.headers.get('x-powered-by')).toBeNull();
    expect(list.headers.get('x-content-type-options')).toBe('nosniff');
    expect(list.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers only to loopback host names, so other sites cannot reach it by DNS rebinding', async () => {
    await send(sample, { from: 'a@elsewhere.test', to: 'bob@example.test', subject: 'private', text: 'x' });
    const port = new URL(sample.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await rawGet(sample, '/api/messages', { host })).status).toBe(200);
    }
    for (const host of [`attacker.example:${port}`, 'attacker.example', `127.0.0.1.attacker.example:${port}`, `localhost.attacker.example`]) {
      const { status, body } = await rawGet(sample, '/api/messages', { host });
      expect(status).toBe(403);
      expect(body).not.toContain('private');
    }
  });

  it('ends open event streams on shutdown instead of waiting for them', async () => {
    const messages = await SseClient.open(`${sample.url}/api/events/messages`);
    const sessions = await SseClient.open(`${sample.url}/api/events/sessions`);
    const started = Date.now();
    await sample.app.close();
    // left open, their sockets would hold the server for its 5 s keep-alive timeout
    expect(Date.now() - started).toBeLessThan(4_000);
    await messages.waitForEnd();
    await sessions.waitForEnd();
  });
});
