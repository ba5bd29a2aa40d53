import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import nodemailer from 'nodemailer';
import { Ctx, DataContext, OnData } from '../../lib/index.js';
import { AuthResults, FumiMailAuthModule, type FumiMailAuthModuleOptions, type MailAuthResults } from '../../lib/mail-auth/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { forwarded, mailAuthZone, message, signed, startMailAuthDns, type MailAuthKeys } from '../support/mail-auth-zone.js';

let dns: TestDnsServer;
let keys: MailAuthKeys;
let running: RunningApp | undefined;
const stored: { results: MailAuthResults; body: string }[] = [];

@Injectable()
class Inbox {
  @OnData()
  async store(@Ctx() ctx: DataContext, @AuthResults() results: MailAuthResults) {
    stored.push({ results, body: results.header + (await ctx.buffer()).toString() });
  }
}

async function boot(options: Partial<FumiMailAuthModuleOptions> = {}): Promise<number> {
  running = await startApp(
    { imports: [FumiMailAuthModule.forRoot({ dns: { servers: [dns.server], timeout: 500, tries: 1 }, ...options })], providers: [Inbox] },
    { hostname: 'mx.example.test' },
  );
  return running.port;
}

function send(port: number, from: string, raw: string, helo = 'client.test') {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: helo });
  return transport.sendMail({ envelope: { from, to: ['inbox@mx.example.test'] }, raw }).finally(() => transport.close());
}

beforeAll(async () => ({ keys, dns } = await startMailAuthDns()));
afterAll(() => dns.stop());
beforeEach(() => (stored.length = 0));
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('SPF at MAIL FROM, against a real name server', () => {
  it.each([
    ['pass', 'pass'],
    ['softfail', 'softfail'],
    ['neutral', 'neutral'],
    ['permerror', 'permerror'],
  ])('records %s for a sender of %s.test and writes it in Authentication-Results', async (domain, result) => {
    const port = await boot();
    await send(port, `someone@${domain}.test`, message(`someone@${domain}.test`));
    expect(stored[0]!.results.spf).toMatchObject({ result, domain: `${domain}.test`, identity: 'mailfrom' });
    expect(stored[0]!.body).toMatch(new RegExp(`^Authentication-Results: mx\\.example\\.test;[\\s\\S]*spf=${result} `));
  });

  it('refuses an SPF fail with 550 5.7.23, or only records it when told to tag', async () => {
    let port = await boot();
    await expect(send(port, 'someone@fail.test', message('someone@fail.test'))).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/^550 5\.7\.23 SPF check failed: fail\.test does not designate 127\.0\.0\.1/),
    });
    expect(stored).toHaveLength(0);
    await running!.close();
    port = await boot({ spf: { fail: 'tag' }, dmarc: false });
    await send(port, 'someone@fail.test', message('someone@fail.test'));
    expect(stored[0]!.results.spf?.result).toBe('fail');
  });

  it('checks the HELO name for a null sender', async () => {
    const port = await boot();
    await send(port, '', message('postmaster@pass.test'), 'pass.test');
    expect(stored[0]!.results.spf).toMatchObject({ result: 'pass', domain: 'pass.test', identity: 'helo' });
  });

  it('answers 451 4.4.3 when the name server is down, never a pass or a hard refusal', async () => {
    const down = await startDnsServer('test', mailAuthZone(keys));
    const port = await boot({ dns: { servers: [down.server], timeout: 300, tries: 1 } });
    await down.stop();
    await expect(send(port, 'someone@pass.test', message('someone@pass.test'))).rejects.toMatchObject({
      responseCode: 451,
      response: expect.stringMatching(/^451 4\.4\.3 Temporary DNS failure checking SPF for pass\.test/),
    });
  });
});

describe('DKIM, ARC and DMARC once the message is in', () => {
  it('passes RSA and Ed25519 signatures, aligned, and DMARC with them', async () => {
    const port = await boot({ authservId: 'auth.example.test' });
    const raw = await signed(await signed(message('alice@pass.test'), 'pass.test', 'rsa', keys.rsa), 'pass.test', 'ed', keys.ed25519);
    await send(port, 'alice@pass.test', raw);
    const { results, body } = stored[0]!;
    expect(results.dkim).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ result: 'pass', domain: 'pass.test', selector: 'rsa', algorithm: 'rsa-sha256', aligned: 'pass.test' }),
        expect.objectContaining({ result: 'pass', domain: 'pass.test', selector: 'ed', algorithm: 'ed25519-sha256', aligned: 'pass.test' }),
      ]),
    );
    expect(results.dmarc).toMatchObject({ result: 'pass', domain: 'pass.test', policy: 'reject', quarantine: false });
    expect(body).toMatch(/^Authentication-Results: auth\.example\.test;\r\n dkim=pass header\.[ids]=@?pass\.test/);
    expect(body).toMatch(/dmarc=pass[^\r\n]*header\.from=pass\.test/);
  });

  it('refuses a DMARC failure under p=reject with 550 5.7.1 naming the domain, or tags it when told', async () => {
    let port = await boot({ spf: { fail: 'tag' } });
    await expect(send(port, 'mallory@fail.test', message('ceo@fail.test'))).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/^550 5\.7\.1 Message rejected: it fails the DMARC policy of fail\.test/),
    });
    expect(stored).toHaveLength(0);
    await running!.close();
    port = await boot({ spf: { fail: 'tag' }, dmarc: { reject: 'tag' } });
    await send(port, 'mallory@fail.test', message('ceo@fail.test'));
    expect(stored[0]!.results.dmarc).toMatchObject({ result: 'fail', policy: 'reject', domain: 'fail.test' });
  });

  it('defers, not refuses, a DMARC failure that an SPF temperror may have caused, even with SPF off at MAIL FROM', async () => {
    const port = await boot({ spf: false });
    await expect(send(port, 'x@spftemp.test', message('x@spftemp.test'))).rejects.toMatchObject({
      responseCode: 451,
      response: expect.stringMatching(/^451 4\.4\.3 Temporary DNS failure checking DKIM\/DMARC for spftemp\.test/),
    });
  });

  it('defers only what could be refused: a p=none failure with an SPF temperror passes, an unaligned DKIM temperror does not save a p=reject failure', async () => {
    const port = await boot({ spf: false });
    await send(port, 'x@spftempnone.test', message('x@spftempnone.test'));
    expect(stored[0]!.results.dmarc).toMatchObject({ result: 'fail', policy: 'none' });
    // a signature of a domain this name server refuses to answer for: temperror, and not the From domain's
    const unaligned = await signed(message('ceo@fail.test'), 'elsewhere.invalid', 'any', keys.rsa);
    await expect(send(port, 'alice@pass.test', unaligned)).rejects.toMatchObject({ responseCode: 550 });
  });

  it('answers 451 4.4.3 after DATA when the name server is down for the message checks', async () => {
    const down = await startDnsServer('test', mailAuthZone(keys));
    const port = await boot({ dns: { servers: [down.server], timeout: 300, tries: 1 }, spf: false });
    await down.stop();
    const raw = await signed(message('alice@pass.test'), 'pass.test', 'rsa', keys.rsa);
    await expect(send(port, 'alice@pass.test', raw)).rejects.toMatchObject({
      responseCode: 451,
      response: expect.stringMatching(/^451 4\.4\.3 Temporary DNS failure checking DKIM\/DMARC/),
    });
    expect(stored).toHaveLength(0);
  });

  it('flags a DMARC failure under p=quarantine and accepts one under p=none', async () => {
    const port = await boot();
    await send(port, 'x@quarantine.test', message('x@quarantine.test'));
    await send(port, 'x@relaxed.test', message('x@relaxed.test'));
    expect(stored[0]!.results.dmarc).toMatchObject({ result: 'fail', policy: 'quarantine', quarantine: true });
    expect(stored[1]!.results.dmarc).toMatchObject({ result: 'fail', policy: 'none', quarantine: false });
  });

  it('fails a signature whose body was changed, and verifies the ARC chain a forwarder added', async () => {
    const port = await boot();
    const original = await signed(message('alice@relaxed.test'), 'pass.test', 'rsa', keys.rsa);
    await send(port, 'list@forwarder.test', await forwarded(original, keys));
    const { results, body } = stored[0]!;
    expect(results.dkim[0]).toMatchObject({ result: 'fail', domain: 'pass.test' });
    expect(results.arc).toMatchObject({ result: 'pass', instance: 1 });
    expect(body).toMatch(/arc=pass/);
  });

  it('leaves an oversized message to the size limit: 552, not a DMARC refusal of what was kept of it', async () => {
    running = await startApp(
      { imports: [FumiMailAuthModule.forRoot({ dns: { servers: [dns.server] } })], providers: [Inbox] },
      { hostname: 'mx.example.test', size: 2000 },
    );
    const big = message('ceo@fail.test', 'Big', `${'z'.repeat(70)}\r\n`.repeat(100));
    await expect(send(running.port, 'alice@pass.test', big)).rejects.toMatchObject({ responseCode: 552 });
  });

  it('works without a spool file for a message within spoolThreshold: the verifier reads it before the handlers', async () => {
    running = await startApp(
      { imports: [FumiMailAuthModule.forRoot({ dns: { servers: [dns.server] } })], providers: [Inbox] },
      { hostname: 'mx.example.test', spoolDirectory: false },
    );
    const raw = await signed(message('alice@pass.test', 'Big', 'x'.repeat(76).concat('\r\n').repeat(2000)), 'pass.test', 'rsa', keys.rsa);
    await send(running.port, 'alice@pass.test', raw);
    expect(stored[0]!.results.dkim[0]).toMatchObject({ result: 'pass' });
    expect(stored[0]!.body).toContain('Subject: Big');
  });
});
