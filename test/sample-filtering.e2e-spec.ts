import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { mailAuthZone, makeKeys, message, signed, type MailAuthKeys } from './support/mail-auth-zone.js';
import { RSPAMD_MARKS, startRspamd, type TestRspamd } from './support/rspamd-server.js';
import { startSampleWeb, type RunningSample } from './support/sample-web.js';

/** Sends `raw` with `from` as the envelope sender; resolves with the server's last reply either way. */
async function sendRaw(sample: RunningSample, from: string, raw: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sample.smtpPort, secure: false, ignoreTLS: true });
  try {
    return (await transport.sendMail({ envelope: { from, to: ['carol@example.test'] }, raw })).response;
  } catch (error) {
    return String((error as { response?: string }).response ?? error);
  } finally {
    transport.close();
  }
}

/** Every stored file of the Maildir, by subject line. */
async function storedBySubject(maildir: string): Promise<Map<string, string>> {
  const dir = join(maildir, 'carol@example.test', 'new');
  const files = await Promise.all((await readdir(dir)).map((name) => readFile(join(dir, name), 'utf8')));
  return new Map(files.map((text) => [/^Subject: (.*)$/m.exec(text)?.[1] ?? '', text]));
}

describe('the sample with mail authentication (DNS_SERVERS) and rspamd (RSPAMD_URL)', () => {
  let keys: MailAuthKeys;
  let dns: TestDnsServer;
  let rspamd: TestRspamd;
  let browser: Browser;
  let sample: RunningSample;
  let context: BrowserContext;

  beforeAll(async () => {
    keys = makeKeys();
    [dns, rspamd, browser] = await Promise.all([startDnsServer('test', mailAuthZone(keys)), startRspamd(), launchChromium()]);
    sample = await startSampleWeb({ DNS_SERVERS: dns.server, RSPAMD_URL: rspamd.url });
    context = await browser.newContext();
    context.setDefaultTimeout(15_000);
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await sample?.close();
    await Promise.all([browser?.close(), dns?.stop(), rspamd?.stop()]);
  });

  it('stores messages under its Authentication-Results and spam score, refuses a DMARC p=reject failure, and shows badges in the inbox', async () => {
    const good = await signed(message('alice@pass.test', 'Signed hello'), 'pass.test', 'rsa', keys.rsa);
    expect(await sendRaw(sample, 'alice@pass.test', good)).toMatch(/^250 /);
    // the envelope sender passes SPF, but nothing aligns with the From domain, whose policy is reject
    const spoof = message('ceo@fail.test', 'Wire the money');
    expect(await sendRaw(sample, 'alice@pass.test', spoof)).toMatch(/^550 5\.7\.1 .*DMARC policy of fail\.test/);
    // forged results in the message itself count for nothing
    const forged = `Authentication-Results: mx.example.test; spf=pass; dkim=pass; dmarc=pass\r\n${message('bob@softfail.test', `Spammy ${RSPAMD_MARKS.addHeader}`)}`;
    expect(await sendRaw(sample, 'bob@softfail.test', forged)).toMatch(/^250 /);

    const stored = await storedBySubject(sample.maildir);
    expect([...stored.keys()].sort()).toEqual(['Signed hello', `Spammy ${RSPAMD_MARKS.addHeader}`]);
    const signedFile = stored.get('Signed hello')!;
    expect(signedFile).toMatch(/^Authentication-Results: mx\.example\.test;\r\n dkim=pass /);
    expect(signedFile).toMatch(/^X-Spam-Score: -?\d+\.\d\d\r\nX-Spam-Action: no action\r\n(?:[\s\S]*?)^Received: /m);
    expect(stored.get(`Spammy ${RSPAMD_MARKS.addHeader}`)).toMatch(/^X-Spam-Score: 7\.00\r\nX-Spam-Action: add header\r$/m);

    const page = await context.newPage();
    await page.goto(sample.url + '/');
    const goodRow = page.locator('#messages tbody tr', { hasText: 'Signed hello' });
    const spamRow = page.locator('#messages tbody tr', { hasText: 'Spammy' });
    await goodRow.waitFor();
    for (const check of ['spf', 'dkim', 'dmarc']) {
      await expect(goodRow.locator(`[data-check="${check}"]`).textContent()).resolves.toBe(`${check.toUpperCase()} pass`);
    }
    await expect(goodRow.locator('[data-check="spam"]').getAttribute('class')).resolves.toContain('good');
    await expect(spamRow.locator('[data-check="spf"]').textContent()).resolves.toBe('SPF softfail');
    await expect(spamRow.locator('[data-check="dmarc"]').textContent()).resolves.toBe('DMARC none'); // softfail.test publishes no DMARC record
    await expect(spamRow.locator('[data-check="spam"]').textContent()).resolves.toBe('spam 7.0');
    await expect(spamRow.locator('[data-check="spam"]').getAttribute('class')).resolves.toContain('bad');
    // the open message shows them too
    await spamRow.click();
    await page.locator('.meta dd', { hasText: 'spam 7.0' }).waitFor();
    const api = (await (await fetch(`${sample.url}/api/messages`)).json()) as { subject: string; auth?: object; spam?: object }[];
    expect(api.find((m) => m.subject === 'Signed hello')).toMatchObject({ auth: { spf: 'pass', dkim: 'pass', dmarc: 'pass' }, spam: { action: 'no action' } });
  });

  it('refuses a client on DNSBL_ZONES at connect and greylists with GREYLIST=1', async () => {
    const listed = await startSampleWeb({ DNS_SERVERS: dns.server, DNSBL_ZONES: 'bl.test' });
    try {
      expect(await sendRaw(listed, 'alice@pass.test', message('alice@pass.test'))).toMatch(/^554 5\.7\.1 .*blocked using bl\.test/);
    } finally {
      await listed.close();
    }
    const greylisting = await startSampleWeb({ GREYLIST: '1' });
    try {
      expect(await sendRaw(greylisting, 'alice@pass.test', message('alice@pass.test'))).toMatch(/^451 4\.7\.1 Greylisted/);
    } finally {
      await greylisting.close();
    }
  });
});
