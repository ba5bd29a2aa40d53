import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SmtpTestClient } from '../lib/testing/index.js';
import { launchChromium, waitForText } from './support/browser.js';
import { newestFirstIds, writeMaildirMessages } from './support/maildir-files.js';
import { hostileCorpus } from './support/hostile-mime.js';
import { send, startSampleWeb, type RunningSample } from './support/sample-web.js';

/** Counts requests: stands in for a remote server that a message's HTML would like to reach. */
async function startTracker(): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

/** Opens a page and waits until its event stream is connected, so nothing sent later is missed. */
async function openLive(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('body[data-live="connected"]').waitFor();
  return page;
}

describe('web inbox and live view, in headless Chromium', () => {
  let browser: Browser;
  let sample: RunningSample;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    sample = await startSampleWeb();
    context = await browser.newContext({ acceptDownloads: true });
    // well inside the test's own timeout, so a wait that fails says what it waited for
    context.setDefaultTimeout(15_000);
  });
  afterEach(async () => {
    await context?.close(); // first: open event streams would otherwise hold the HTTP server
    await sample?.close();
  });

  it('shows a new message without reload; its HTML is sandboxed, its text, headers and attachment open; delete removes it', async () => {
    const tracker = await startTracker();
    try {
      const page = await openLive(context, sample.url + '/');
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.locator('#empty').waitFor();

      await send(sample, {
        from: '"Ann Sender" <ann@elsewhere.test>',
        to: 'bob@example.test',
        subject: 'Quarterly report',
        text: 'Hello Bob, the report is attached.',
        html:
          '<h1 id="greeting">Hello Bob</h1><p style="color:#336">The report is attached.</p>' +
          `<img src="${tracker.url}/pixel.gif" alt="tracker"><script>fetch('${tracker.url}/script-ran')</script>` +
          `<link rel="stylesheet" href="${tracker.url}/style.css">`,
        attachments: [{ filename: 'report.csv', content: 'quarter,revenue\nQ1,42\n', contentType: 'text/csv' }],
      });

      const row = page.locator('#messages tbody tr', { hasText: 'Quarterly report' });
      await row.waitFor(); // arrived over SSE: the page was never reloaded
      await waitForText(row, 'Ann Sender');
      await row.click();

      // the HTML body: shown, and it ran nothing and loaded nothing
      const frame = page.frameLocator('.body iframe');
      await frame.locator('#greeting').waitFor();
      expect(await page.locator('.body iframe').getAttribute('sandbox')).toBe('');
      // once the frame has loaded, whatever it could fetch it has tried to
      await page.frames().find((f) => f.url().endsWith('/html'))!.waitForLoadState('load');
      expect(tracker.hits).toEqual([]);

      await page.getByRole('tab', { name: 'Text' }).click();
      await waitForText(page.locator('.body pre.text'), 'the report is attached');
      await page.getByRole('tab', { name: 'Headers' }).click();
      await waitForText(page.locator('.body table.headers'), 'Quarterly report');

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'report.csv' }).click()]);
      expect(download.suggestedFilename()).toBe('report.csv');
      expect(await readFile((await download.path())!, 'utf8')).toBe('quarter,revenue\nQ1,42\n');

      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await row.waitFor({ state: 'detached' });
      await page.locator('#empty').waitFor();
      expect(await readdir(join(sample.maildir, 'bob@example.test', 'new'))).toEqual([]);
      expect(tracker.hits).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      tracker.server.close();
    }
  }, 60_000);

  it('deletes everything, and other open pages follow', async () => {
    const page = await openLive(context, sample.url + '/');
    const other = await openLive(context, sample.url + '/');
    await send(sample, { from: 'a@elsewhere.test', to: 'bob@example.test', subject: 'one', text: '1' });
    await send(sample, { from: 'a@elsewhere.test', to: ['bob@example.test', 'carol@example.test'], subject: 'two', text: '2' });
    await page.locator('#messages tbody tr').nth(1).waitFor();
    await waitForText(page.locator('#messages tbody tr').first(), 'two'); // newest first
    await other.locator('#messages tbody tr', { hasText: 'two' }).waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete all' }).click();
    await page.locator('#messages tbody tr').first().waitFor({ state: 'detached' });
    await other.locator('#messages tbody tr').first().waitFor({ state: 'detached' });
    expect(await (await fetch(`${sample.url}/api/messages`)).json()).toEqual([]);
  }, 60_000);

  it('shows why a message cannot be shown, with its headers and the download, and tells a busy server from a gone message', async () => {
    const client = await SmtpTestClient.connect(sample.smtpPort);
    const [bigHeader] = hostileCorpus();
    expect((await client.sendMail({ from: 'a@ok.test', to: 'bob@example.test', body: bigHeader!.body })).data?.code).toBe(250);
    await client.quit();
    const page = await openLive(context, sample.url + '/');
    await page.locator('#messages tbody tr', { hasText: 'big header' }).click();
    await waitForText(page.locator('.note.problem'), 'This message cannot be shown: Max header size for a MIME node exceeded');
    await waitForText(page.locator('.body table.headers'), 'big header');
    expect(await page.getByRole('link', { name: 'Download .eml' }).getAttribute('href')).toMatch(/\/raw$/);

    const [{ id }] = (await (await fetch(`${sample.url}/api/messages`)).json()) as [{ id: string }];
    for (const [status, text] of [
      [503, 'The server is busy opening other messages: try again in a moment.'],
      [404, 'This message is gone.'],
      [500, 'This message cannot be shown (error 500).'],
    ] as const) {
      await page.route(`**/api/messages/${id}`, (route) => route.fulfill({ status, body: '{}' }));
      await page.goto(`${sample.url}/#${id}`);
      await page.reload();
      await waitForText(page.locator('#message p.empty'), text);
      await page.unroute(`**/api/messages/${id}`);
    }
  }, 60_000);

  it('shows the first page of a large inbox, loads more on request, and still shows new mail live', async () => {
    const maildir = await mkdtemp(join(tmpdir(), 'fumi-web-pages-'));
    try {
      const written = await writeMaildirMessages(maildir, 70, { mailboxes: ['bob@example.test', 'carol@example.test'] });
      await sample.close();
      sample = await startSampleWeb({ MAILDIR: maildir });
      const page = await openLive(context, sample.url + '/');
      const rows = page.locator('#messages tbody tr');
      const more = page.getByRole('button', { name: 'Load more' });
      await rows.nth(49).waitFor();
      expect(await rows.count()).toBe(50);
      await waitForText(page.locator('#count'), '50+ messages');

      await more.click();
      await rows.nth(69).waitFor();
      await more.waitFor({ state: 'hidden' });
      await waitForText(page.locator('#count'), '70 messages');
      const order = newestFirstIds(written);
      const ids = await Promise.all((await rows.all()).map((row) => row.getAttribute('data-id')));
      expect(ids).toEqual(order);

      await send(sample, { from: 'a@elsewhere.test', to: 'bob@example.test', subject: 'after paging', text: 'x' });
      await waitForText(rows.first(), 'after paging');
      expect(await rows.count()).toBe(71);

      // a mailbox is listed by the server, paged on its own
      const carol = written.filter((m) => m.mailboxes.includes('carol@example.test'));
      await page.locator('#mailbox').selectOption('carol@example.test');
      await waitForText(page.locator('#count'), `${carol.length} messages`);
      expect(await Promise.all((await rows.all()).map((row) => row.getAttribute('data-id')))).toEqual(newestFirstIds(carol));
    } finally {
      await rm(maildir, { recursive: true, force: true });
    }
  }, 60_000);

  it('shows each SMTP session filling in phase by phase, with refused commands and their codes', async () => {
    const page = await openLive(context, sample.url + '/live');
    const client = await SmtpTestClient.connect(sample.smtpPort);
    await client.ehlo('client.sender.test');
    await client.send('MAIL FROM:<someone@elsewhere.test>');
    await client.send('RCPT TO:<bob@example.test>');

    const row = page.locator(`#sessions tbody tr`, { hasText: 'client.sender.test' });
    await row.locator('[data-phase="rcptTo"]').waitFor(); // the row fills in while the session is open
    await waitForText(row.locator('.state'), 'open');

    expect((await client.send('RCPT TO:<eve@far.away>')).code).toBe(550);
    const refused = row.locator('[data-phase="rcptTo"].rejected');
    await refused.waitFor();
    await waitForText(refused, '550');
    await waitForText(refused, 'Relay access denied');
    await waitForText(refused, 'eve@far.away');

    expect((await client.data('Subject: watched\r\n\r\nhello\r\n')).code).toBe(250);
    await row.locator('[data-phase="data"].ok', { hasText: '250' }).waitFor();
    await client.quit();
    await row.locator('.state', { hasText: 'closed' }).waitFor();
    await waitForText(row.locator('[data-phase="connect"]'), '220');
    await waitForText(row.locator('[data-phase="rcptTo"].ok'), 'bob@example.test');
  }, 60_000);

  it('shows sessions that happened before the page was opened', async () => {
    const client = await SmtpTestClient.connect(sample.smtpPort);
    await client.ehlo('earlier.test');
    expect((await client.send('MAIL FROM:<spam@blocked.example>')).code).toBe(550);
    await client.quit();
    const page = await openLive(context, sample.url + '/live');
    const row = page.locator('#sessions tbody tr', { hasText: 'earlier.test' });
    await waitForText(row.locator('[data-phase="mailFrom"].rejected'), '550');
  }, 60_000);
});
