import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { ParsedMail } from 'mailparser';
import { Ctx, DataContext, MessageParserPool, OnData } from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { hostileCorpus } from './support/hostile-mime.js';

const htmlOnly = [
  'From: a@example.test',
  'To: b@example.test',
  'Subject: html only',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Hello <b>there</b>, see <a href="https://example.test">this</a></p>',
  '',
].join('\r\n');

describe('ctx.parse()', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('skips the HTML↔text conversions unless asked, parses once per set of options, and runs in a pool when given one', async () => {
    const pool = new MessageParserPool({ workers: 1 });
    const pooled = jest.spyOn(pool, 'parse');
    const shared = jest.spyOn(MessageParserPool.prototype, 'parse');
    const seen: Record<string, ParsedMail> = {};
    let same = false;
    @Injectable()
    class Parsing {
      @OnData() async look(@Ctx() ctx: DataContext) {
        seen.plain = await ctx.parse();
        same = (await ctx.parse()) === seen.plain && ctx.parse({ skipTextLinks: true }) === ctx.parse({ skipTextLinks: true });
        seen.converted = await ctx.parse({ skipHtmlToText: false, skipTextToHtml: false });
        seen.pooled = await ctx.parse({ pool, skipHtmlToText: false, skipTextToHtml: true });
        seen.shared = await ctx.parse({ pool: true, keepCidLinks: true });
      }
    }
    running = await startApp({ providers: [Parsing] });
    const client = await SmtpTestClient.connect(running.port);
    expect((await client.sendMail({ from: 'a@example.test', to: 'b@example.test', body: htmlOnly })).data?.code).toBe(250);
    await client.quit();
    await pool.close();

    expect(same).toBe(true);
    expect(pooled).toHaveBeenCalledTimes(1); // in the pool given
    expect(shared).toHaveBeenCalledTimes(1); // the shared pool
    shared.mockRestore();
    expect(seen.plain!.html).toContain('<b>there</b>');
    expect(seen.plain!.text).toBe('');
    expect(seen.converted!.text).toContain('Hello there');
    expect(seen.converted!.textAsHtml).toContain('Hello there');
    expect(seen.pooled!.text).toContain('Hello there');
    expect(seen.pooled!.subject).toBe('html only');
    expect(seen.shared!.text).toBe('');
    expect(seen.shared!.html).toBe(seen.plain!.html);
  });

  it('answers 451 (the message is not lost to a 250) when the parser refuses the message, and the session goes on', async () => {
    @Injectable()
    class Parsing {
      @OnData() async look(@Ctx() ctx: DataContext) {
        await ctx.parse({ pool: true });
      }
    }
    running = await startApp({ providers: [Parsing] });
    const client = await SmtpTestClient.connect(running.port);
    const [bigHeader] = hostileCorpus();
    expect((await client.sendMail({ from: 'a@example.test', to: 'b@example.test', body: bigHeader!.body })).data?.code).toBe(451);
    expect((await client.sendMail({ from: 'a@example.test', to: 'b@example.test', body: htmlOnly })).data?.code).toBe(250);
    await client.quit();
  });
});
