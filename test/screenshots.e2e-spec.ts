import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { generate } from 'selfsigned';
import { SmtpTestClient } from '../lib/testing/index.js';
import { launchChromium } from './support/browser.js';
import { startSampleWeb, type RunningSample } from './support/sample-web.js';

/**
 * Makes the README's screenshots (docs/inbox.png, docs/live.png) from the running sample with
 * some typical traffic. Only with FUMI_SCREENSHOTS=1 (`npm run docs:screenshots`): the images
 * are committed, not remade on every test run.
 */
const enabled = process.env.FUMI_SCREENSHOTS === '1';
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

/** The newsletter's logo, drawn by the browser: mailparser inlines only bitmap images (PNG, GIF, JPEG). */
async function logo(browser: Browser): Promise<Buffer> {
  const page = await browser.newPage();
  await page.setContent(
    '<div id="logo" style="display:inline-block;padding:6px 14px;border-radius:6px;background:#e0234e;color:#fff;' +
      'font:700 15px sans-serif">Nest Weekly</div>',
  );
  const png = await page.locator('#logo').screenshot();
  await page.close();
  return png;
}

const NEWSLETTER = `<div style="font-family:Georgia,serif;max-width:560px;margin:16px auto;color:#222">
  <img src="cid:logo@weekly" alt="Nest Weekly">
  <h2 style="margin:12px 0 4px">Guards, pipes and filters… for SMTP</h2>
  <p style="color:#666;margin:0 0 12px">Issue #42 · five-minute read</p>
  <p>This week: an SMTP server whose phases run through Nest's own pipeline. Refuse a recipient
  with a guard, validate an address with a pipe, map a full disk to a <code>452</code> with a filter.</p>
  <p style="background:#f4f4f8;padding:10px 12px;border-left:3px solid #e0234e">Remote images in this
  newsletter are not loaded by the sample's inbox: <img src="https://tracker.invalid/open.gif" alt="[tracking pixel blocked]"></p>
  <p>Happy hacking,<br>the Weekly team</p></div>`;

(enabled ? describe : describe.skip)('screenshots for the README', () => {
  let browser: Browser;
  let sample: RunningSample;
  let certs: string;

  beforeAll(async () => {
    certs = await mkdtemp(join(tmpdir(), 'fumi-certs-'));
    const pems = await generate([{ name: 'commonName', value: 'mx.example.test' }]);
    await writeFile(join(certs, 'key.pem'), pems.private);
    await writeFile(join(certs, 'cert.pem'), pems.cert);
    sample = await startSampleWeb({
      MAIL_DOMAINS: 'example.test',
      MAX_MESSAGE_SIZE: '200000',
      TLS_KEY: join(certs, 'key.pem'),
      TLS_CERT: join(certs, 'cert.pem'),
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sample?.close();
    await rm(certs, { recursive: true, force: true });
  });

  const send = async (message: SendMailOptions, auth?: { user: string; pass: string }, name = 'mail.elsewhere.test') => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sample.smtpPort,
      secure: false,
      name,
      ...(auth ? { auth, requireTLS: true, tls: { rejectUnauthorized: false } } : { ignoreTLS: true }),
    });
    try {
      await transport.sendMail(message);
    } catch {
      // some of the traffic is meant to be refused
    } finally {
      transport.close();
    }
  };

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 800 }, colorScheme: 'light' });
    page.setDefaultTimeout(15_000);
    await page.goto(sample.url + path);
    await page.locator('body[data-live="connected"]').waitFor();
    return page;
  }

  it('inbox', async () => {
    await send({ from: '"Ann Lee" <ann@partner.test>', to: ['bob@example.test', 'carol@example.test'], subject: 'Offsite agenda', text: 'Agenda attached.', attachments: [{ filename: 'offsite.ics', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' }] });
    await send({ from: '"Billing" <billing@vendor.test>', to: 'carol@example.test', subject: 'Invoice 2026-118', text: 'Your invoice is attached.', attachments: [{ filename: 'invoice-2026-118.pdf', content: Buffer.from('%PDF-1.4\n'), contentType: 'application/pdf' }] });
    await send({ from: 'alice@example.test', to: 'bob@example.test', subject: 'Lunch on Friday?', text: 'Noodles at 12:30?' }, { user: 'alice', pass: 'wonderland' }, 'laptop.example.test');
    const page = await open('/');
    await send({
      from: '"Nest Weekly" <news@weekly.test>',
      to: 'bob@example.test',
      subject: 'Issue #42: guards, pipes and filters for SMTP',
      text: 'This week: an SMTP server whose phases run through Nest\'s own pipeline.',
      html: NEWSLETTER,
      attachments: [
        { filename: 'logo.png', content: await logo(browser), contentType: 'image/png', cid: 'logo@weekly' },
        { filename: 'slides.pdf', content: Buffer.from('%PDF-1.4\n'), contentType: 'application/pdf' },
      ],
    });
    const row = page.locator('#messages tbody tr', { hasText: 'Issue #42' });
    await row.waitFor();
    await row.click();
    await page.frameLocator('.body iframe').locator('h2').waitFor();
    await page.locator('tr.fresh').waitFor({ state: 'detached' }); // the arrival highlight is over
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(DOCS, 'inbox.png') });
  }, 60_000);

  it('live sessions', async () => {
    const page = await open('/live');
    // a spammer, refused at MAIL FROM
    const spam = await SmtpTestClient.connect(sample.smtpPort);
    await spam.ehlo('mail.spammer.example');
    await spam.send('MAIL FROM:<offers@blocked.example>');
    await spam.quit();
    // an open relay probe, then a good recipient
    const probe = await SmtpTestClient.connect(sample.smtpPort);
    await probe.ehlo('probe.elsewhere.test');
    await probe.sendMail({ from: 'x@elsewhere.test', to: ['eve@far.away', 'bob@example.test'], body: 'Subject: hi\r\n\r\nhello\r\n' });
    await probe.quit();
    // too large
    await send({ from: 'big@elsewhere.test', to: 'carol@example.test', subject: 'video', text: 'x'.repeat(300_000) }, undefined, 'bulk.elsewhere.test');
    // a wrong password, then a user sending out over TLS
    await send({ from: 'alice@example.test', to: 'bob@example.test', text: 'x' }, { user: 'alice', pass: 'guess' }, 'laptop.example.test');
    await send({ from: 'alice@example.test', to: ['bob@example.test', 'partner@elsewhere.test'], subject: 'Q3', text: 'Numbers inside.' }, { user: 'alice', pass: 'wonderland' }, 'laptop.example.test');
    // one still talking
    const slow = await SmtpTestClient.connect(sample.smtpPort);
    await slow.ehlo('slow.client.test');
    await slow.send('MAIL FROM:<newsletter@partner.test>');
    await page.locator('#sessions tbody tr', { hasText: 'slow.client.test' }).locator('[data-phase="mailFrom"]').waitFor();
    await page.locator('tr.fresh').first().waitFor({ state: 'detached' });
    await page.screenshot({ path: join(DOCS, 'live.png') });
    await slow.quit();
  }, 60_000);
});
