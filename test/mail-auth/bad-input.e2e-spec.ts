import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import nodemailer from 'nodemailer';
import { Ctx, DataContext, OnData } from '../../lib/index.js';
import { FumiMailAuthModule, mailAuthResultsOf, type FumiMailAuthModuleOptions, type MailAuthResults } from '../../lib/mail-auth/index.js';
import { startApp, type RunningApp } from '../support/app.js';
import { startSilentDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { message, signed, startMailAuthDns, type MailAuthKeys } from '../support/mail-auth-zone.js';

/** The budget these tests give every check's lookups, and the slack allowed beyond it. */
const BUDGET = 1500;
const SLACK = 10_000;

let dns: TestDnsServer;
let keys: MailAuthKeys;
const apps: RunningApp[] = [];
const stored: MailAuthResults[] = [];

@Injectable()
class Inbox {
  @OnData()
  async store(@Ctx() ctx: DataContext) {
    await ctx.received();
    stored.push(mailAuthResultsOf(ctx));
  }
}

async function boot(options: Partial<FumiMailAuthModuleOptions> = {}): Promise<number> {
  const running = await startApp({
    imports: [FumiMailAuthModule.forRoot({ dns: { servers: [dns.server], timeout: 500, tries: 1, budget: BUDGET }, ...options })],
    providers: [Inbox],
  });
  apps.push(running);
  return running.port;
}

/** Sends and times it; resolves with the reply (250 or the refusal) either way. */
async function timedSend(port: number, from: string, raw: string): Promise<{ reply: string; ms: number }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  const started = Date.now();
  try {
    const info = await transport.sendMail({ envelope: { from, to: ['inbox@mx.example.test'] }, raw });
    return { reply: info.response, ms: Date.now() - started };
  } catch (error) {
    return { reply: String((error as { response?: string }).response ?? error), ms: Date.now() - started };
  } finally {
    transport.close();
  }
}

beforeAll(async () => ({ keys, dns } = await startMailAuthDns()));
afterAll(() => dns.stop());
beforeEach(() => (stored.length = 0));
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe('mail authentication given bad input: a defined result within the budget, never a crash or a stall', () => {
  it('malformed DKIM-Signature headers are each a failed or neutral signature, and the message goes on', async () => {
    const port = await boot();
    const garbage = [
      'DKIM-Signature: this is not a tag list',
      'DKIM-Signature: v=1; a=rsa-sha256; d=pass.test; s=rsa; h=from; bh=AAAA; b=!!!not-base64!!!',
      'DKIM-Signature: v=1; a=rot13-md5; d=pass.test; s=rsa; h=from; bh=AAAA; b=AAAA',
      'DKIM-Signature: v=1; a=rsa-sha256; d=; s=; h=; bh=; b=',
      `DKIM-Signature: v=1; a=rsa-sha256; d=${'x'.repeat(300)}.test; s=rsa; h=from; bh=AAAA; b=AAAA`,
    ];
    const { reply, ms } = await timedSend(port, 'x@relaxed.test', `${garbage.join('\r\n')}\r\n${message('x@relaxed.test')}`);
    expect(reply).toMatch(/^250 /);
    expect(ms).toBeLessThan(BUDGET + SLACK);
    expect(stored[0]!.dkim.length).toBeGreaterThan(0);
    for (const verdict of stored[0]!.dkim) expect(['fail', 'neutral', 'permerror', 'policy', 'none']).toContain(verdict.result);
  });

  it('hundreds of signatures, each with its own selector: the first maxSignatures are verified, the rest counted', async () => {
    const port = await boot();
    const raw = await signed(message('alice@pass.test'), 'pass.test', 'rsa', keys.rsa);
    const bogus = Array.from({ length: 400 }, (_, i) => `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=pass.test; s=s${i}; h=from; bh=AAAA; b=AAAA`);
    const { reply, ms } = await timedSend(port, 'alice@pass.test', `${bogus.join('\r\n')}\r\n${raw}`);
    // DMARC passes on SPF: the real signature, the 401st, is past the limit
    expect(reply).toMatch(/^250 /);
    expect(ms).toBeLessThan(BUDGET + SLACK);
    expect(stored[0]!.dkim).toHaveLength(10);
    expect(stored[0]!.dkimNotVerified).toBe(391);
    expect(stored[0]!.dmarc?.result).toBe('pass');
  });

  it('signatures that each ask for their own pass over a megabyte body (distinct l=) are capped the same way', async () => {
    const port = await boot({ dmarc: { maxSignatures: 3 } });
    const body = `${'b'.repeat(998)}\r\n`.repeat(1000);
    const raw = await signed(message('alice@pass.test', 'Long', body), 'pass.test', 'rsa', keys.rsa);
    const lengths = Array.from({ length: 300 }, (_, i) => `DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=pass.test; s=rsa; l=${1000 + i}; h=from; bh=AAAA; b=AAAA`);
    const { reply } = await timedSend(port, 'alice@pass.test', `${raw.replace(/\r\n\r\n/, `\r\n${lengths.join('\r\n')}\r\n\r\n`)}`);
    expect(reply).toMatch(/^250 /);
    expect(stored[0]!.dkim).toHaveLength(3);
    expect(stored[0]!.dkim[0]).toMatchObject({ result: 'pass', selector: 'rsa' });
    expect(stored[0]!.dkimNotVerified).toBe(298);
  });

  it('a megabyte of header lines is verified like any message', async () => {
    const port = await boot();
    const filler = Array.from({ length: 12_000 }, (_, i) => `X-Filler-${i}: ${'y'.repeat(70)}`).join('\r\n');
    const raw = await signed(`${filler}\r\n${message('alice@pass.test')}`, 'pass.test', 'rsa', keys.rsa);
    const { reply, ms } = await timedSend(port, 'alice@pass.test', raw);
    expect(reply).toMatch(/^250 /);
    expect(ms).toBeLessThan(BUDGET + SLACK + 5000);
    expect(stored[0]!.dkim[0]).toMatchObject({ result: 'pass' });
  });

  it.each([
    ['loops', 'loop.test'],
    ['exceeds the 10-lookup limit', 'd0.test'],
  ])('an SPF record that %s is a permerror, recorded, within the budget', async (_what, domain) => {
    const port = await boot({ dmarc: false });
    const { reply, ms } = await timedSend(port, `x@${domain}`, message(`x@${domain}`));
    expect(reply).toMatch(/^250 /);
    expect(ms).toBeLessThan(BUDGET + SLACK);
    expect(stored[0]!.spf).toMatchObject({ result: 'permerror', domain });
  });

  describe('a name server whose answers never come', () => {
    let silent: TestDnsServer;
    beforeAll(async () => (silent = await startSilentDnsServer()));
    afterAll(() => silent.stop());

    it('SPF: 451 4.4.3 once the budget is spent', async () => {
      // each query would wait 30 s: only the budget can end the check
      const port = await boot({ dns: { servers: [silent.server], timeout: 30_000, tries: 1, budget: BUDGET }, dmarc: false });
      const { reply, ms } = await timedSend(port, 'x@pass.test', message('x@pass.test'));
      expect(reply).toMatch(/^451 4\.4\.3 /);
      expect(ms).toBeLessThan(BUDGET + SLACK);
    });

    it('DKIM and DMARC: 451 4.4.3 once the budget is spent, and the server goes on serving', async () => {
      const port = await boot({ dns: { servers: [silent.server], timeout: 30_000, tries: 1, budget: BUDGET }, spf: false });
      const raw = await signed(message('alice@pass.test'), 'pass.test', 'rsa', keys.rsa);
      const { reply, ms } = await timedSend(port, 'alice@pass.test', raw);
      expect(reply).toMatch(/^451 4\.4\.3 /);
      expect(ms).toBeLessThan(BUDGET + SLACK);
      expect(stored).toHaveLength(0);
      const tagged = await boot({ dns: { servers: [silent.server], timeout: 30_000, tries: 1, budget: BUDGET }, spf: false, temperror: 'tag' });
      expect((await timedSend(tagged, 'alice@pass.test', raw)).reply).toMatch(/^250 /);
      expect(stored[0]!.dkim[0]?.result).toBe('temperror');
    });
  });
});
