import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpTestClient } from '../lib/testing/index.js';
import type { MessageSummary } from '../sample/inbox/message.views.js';
import { newestFirstIds, writeMaildirMessages, type WrittenMessage } from './support/maildir-files.js';
import { send, startSampleWeb, type RunningSample } from './support/sample-web.js';

const MAILBOXES = ['ann@example.test', 'bob@example.test', 'carol@example.test'];

/** The target of a `Link: <…>; rel="next"` header, or undefined. */
function nextLink(response: Response): string | undefined {
  return /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '')?.[1];
}

/** Every page from `first` on, following `Link` headers; each page's length checked against `limit`. */
async function allPages(sample: RunningSample, first: string, limit: number, between?: () => Promise<void>): Promise<MessageSummary[][]> {
  const pages: MessageSummary[][] = [];
  for (let path: string | undefined = first; path; ) {
    const response = await fetch(sample.url + path);
    expect(response.status).toBe(200);
    const page = (await response.json()) as MessageSummary[];
    expect(page.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    path = nextLink(response);
    if (path) expect(page).toHaveLength(limit); // a short page is the last one
    await between?.();
  }
  return pages;
}

/** Open descriptors of this process (the sample runs in it); at the limit, the limit. */
function openDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EMFILE') return Infinity;
    throw error;
  }
}

/** One SMTP session sending `count` messages, each as a pipelined MAIL/RCPT/DATA group; throws on any refusal. */
async function pipelinedSession(port: number, name: string, count: number): Promise<void> {
  const client = await SmtpTestClient.connect(port, { timeout: 60_000 });
  await client.ehlo(`${name}.test`);
  for (let i = 0; i < count; i++) {
    const replies = await client.pipeline(['MAIL FROM:<load@elsewhere.test>', `RCPT TO:<${MAILBOXES[i % 3]}>`, 'DATA']);
    expect(replies.map((r) => r.code)).toEqual([250, 250, 354]);
    client.write(`Subject: ${name} ${i}\r\n\r\nbody\r\n.\r\n`);
    expect((await client.read()).code).toBe(250);
  }
  await client.quit();
}

/** SMTP load: 10 clients, each opening 3 sessions of 5 pipelined messages one after another; what each had accepted, or why it failed. */
function smtpLoad(port: number): Promise<PromiseSettledResult<number>[]> {
  return Promise.allSettled(
    Array.from({ length: 10 }, async (_, client) => {
      for (let session = 0; session < 3; session++) await pipelinedSession(port, `load${client}-${session}`, 5);
      return 15;
    }),
  );
}

describe('sample inbox: paged listing from an index', () => {
  let maildir: string;
  let written: WrittenMessage[];
  let sample: RunningSample | undefined;

  beforeEach(async () => {
    maildir = await mkdtemp(join(tmpdir(), 'fumi-paging-'));
  });
  afterEach(async () => {
    await sample?.close();
    sample = undefined;
    await rm(maildir, { recursive: true, force: true });
  });

  it('pages through 2,000 messages: each exactly once, newest first, with ?mailbox= too, while new mail arrives', async () => {
    written = await writeMaildirMessages(maildir, 2_000, { mailboxes: MAILBOXES });
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAILDIR: maildir });

    const first = await fetch(`${sample.url}/api/messages`);
    expect(await first.json()).toHaveLength(50); // the first page: the same array of summaries, 50 by default
    expect(first.headers.get('link')).toMatch(/^<\/api\/messages\?cursor=[A-Za-z0-9_-]+&limit=50>; rel="next"$/);

    // messages arriving meanwhile are newer than every cursor: they never show up in later pages
    let arrived = 0;
    const arrive = async () => {
      if (arrived++ < 3) await send(sample!, { from: 'a@elsewhere.test', to: 'bob@example.test', subject: `new ${arrived}`, text: 'x' });
    };
    const pages = await allPages(sample, '/api/messages?limit=170', 170, arrive);
    expect(pages.flat().map((m) => m.id)).toEqual(newestFirstIds(written));
    expect(pages.at(-1)!.length).toBeGreaterThan(0);
    expect(pages.flat()[6]).toMatchObject({ subject: 'message 7', from: 'sender7@elsewhere.test', size: expect.any(Number) });

    // the three that arrived are on the next first page
    const top = (await (await fetch(`${sample.url}/api/messages?limit=3`)).json()) as MessageSummary[];
    expect(top.map((m) => m.subject)).toEqual(['new 3', 'new 2', 'new 1']);

    const bob = written.filter((m) => m.mailboxes.includes('bob@example.test'));
    const bobPages = await allPages(sample, '/api/messages?mailbox=Bob@example.test&limit=100', 100);
    expect(bobPages.flat().map((m) => m.id)).toEqual([...top.map((m) => m.id), ...newestFirstIds(bob)]);

    for (const query of ['limit=0', 'limit=501', 'limit=x', 'limit=5&limit=6', 'mailbox=a&mailbox=b', 'cursor=nope', `cursor=${Buffer.from('[1,"../x"]').toString('base64url')}`]) {
      expect((await fetch(`${sample.url}/api/messages?${query}`)).status).toBe(400);
    }
  }, 120_000);

  describe('under load, with the soft descriptor limit at a common default of 1,024', () => {
    let saved: string;
    beforeAll(() => {
      saved = execFileSync('prlimit', ['--pid', String(process.pid), '--nofile', '--noheadings', '--output=SOFT'], { encoding: 'utf8' }).trim();
      execFileSync('prlimit', ['--pid', String(process.pid), '--nofile=1024:']);
    });
    afterAll(() => {
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${saved}:`]);
    });

    /** Every page the API gives, following `Link` headers: the statuses and how many summaries came. */
    async function listEverything(sample: RunningSample): Promise<{ statuses: number[]; count: number }> {
      const statuses: number[] = [];
      let count = 0;
      for (let path: string | undefined = '/api/messages?limit=500'; path; ) {
        const response = await fetch(sample.url + path);
        statuses.push(response.status);
        if (response.status !== 200) break;
        count += ((await response.json()) as unknown[]).length;
        path = nextLink(response);
      }
      return { statuses, count };
    }

    /** Three clients listing everything, again and again (at least once) until the SMTP load is done; the peak of open descriptors. */
    async function listingsBesideSmtp(sample: RunningSample) {
      const baseline = openDescriptors();
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, openDescriptors())), 2);
      try {
        let smtpDone = false;
        const smtp = smtpLoad(sample.smtpPort).finally(() => (smtpDone = true));
        const listings = Promise.all(
          Array.from({ length: 3 }, async () => {
            const passes: { statuses: number[]; count: number }[] = [];
            do passes.push(await listEverything(sample));
            while (!smtpDone);
            return passes;
          }),
        );
        return { listings: (await listings).flat(), smtp: await smtp, peak, baseline };
      } finally {
        clearInterval(sampler);
      }
    }

    it('keeps open files within a small bound of the baseline while three listings and SMTP load run', async () => {
      written = await writeMaildirMessages(maildir, 3_000, { mailboxes: MAILBOXES });
      sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAILDIR: maildir });
      await fetch(`${sample.url}/api/messages?limit=1`); // the start scan is done
      const { peak, baseline, listings } = await listingsBesideSmtp(sample);
      // 8 inbox files, 10 SMTP sessions (both ends, a spool file and a directory each), 3 HTTP connections (both ends)
      expect(peak - baseline).toBeLessThanOrEqual(80);
      for (const { statuses, count } of listings) {
        expect(statuses.every((status) => status === 200)).toBe(true);
        expect(count).toBeGreaterThanOrEqual(written.length);
      }
    }, 120_000);

    it('lets 30 pipelined SMTP sessions (10 clients) complete without an error beside three listings of 3,000 messages', async () => {
      written = await writeMaildirMessages(maildir, 3_000, { mailboxes: MAILBOXES });
      sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAILDIR: maildir });
      const { smtp, listings } = await listingsBesideSmtp(sample);
      expect(smtp.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
      const sent = smtp.reduce((sum, s) => sum + (s.status === 'fulfilled' ? s.value : 0), 0);
      const ids = new Set(written.map((m) => m.id));
      const stored = new Set(MAILBOXES.flatMap((mailbox) => readdirSync(join(maildir, mailbox, 'new'))).filter((name) => !ids.has(name)));
      expect(stored.size).toBe(sent); // every message of every session
      for (const { statuses } of listings) expect(statuses.every((status) => status === 200)).toBe(true);
    }, 120_000);
  });

  it('forgets a deleted message: through the API, or its file removed by hand', async () => {
    written = await writeMaildirMessages(maildir, 30, { mailboxes: MAILBOXES });
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAILDIR: maildir });
    const order = newestFirstIds(written);
    const [deleted, removedByHand] = [order[3]!, order[12]!];

    expect((await fetch(`${sample.url}/api/messages/${deleted}`, { method: 'DELETE' })).status).toBe(204);
    const byHand = written.find((m) => m.id === removedByHand)!;
    for (const mailbox of byHand.mailboxes) await unlink(join(maildir, mailbox, 'new', removedByHand));

    const ids = (await allPages(sample, '/api/messages?limit=10', 10)).flat().map((m) => m.id);
    expect(ids).toEqual(order.filter((id) => id !== deleted && id !== removedByHand));
    expect((await fetch(`${sample.url}/api/messages/${deleted}`)).status).toBe(404);
    expect((await fetch(`${sample.url}/api/messages/${removedByHand}`)).status).toBe(404);
    expect((await fetch(`${sample.url}/api/messages/${removedByHand}/raw`)).status).toBe(404);
  }, 60_000);

  it('finds messages another process put into the Maildir at the next start', async () => {
    const before = await writeMaildirMessages(maildir, 5, { mailboxes: MAILBOXES, prefix: 'a' });
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAILDIR: maildir });
    const listed = async (limit: number) =>
      ((await (await fetch(`${sample!.url}/api/messages?limit=${limit}`)).json()) as MessageSummary[]).map((m) => m.id);
    expect(await listed(2)).toEqual(newestFirstIds(before).slice(0, 2));

    // the index follows this process's own changes only: files written beside it wait for a restart
    const later = await writeMaildirMessages(maildir, 2, { mailboxes: MAILBOXES, prefix: 'b', newest: Date.now() });
    await sample.close();
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test', MAILDIR: maildir });
    expect(await listed(3)).toEqual(newestFirstIds([...before, ...later]).slice(0, 3));
    const detail = await fetch(`${sample.url}/api/messages/${later[0]!.id}`);
    expect(detail.status).toBe(200);
  }, 60_000);
});
