import { simpleParser } from 'mailparser';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ClientDisconnectedException, MessageParserPool, ParserPoolBusyError, ParserWorkerError } from '../lib/index.js';
import { hostileCorpus, largeQpHtml } from './support/hostile-mime.js';
import { waitFor } from './support/wait-for.js';

const openFiles = async () => (await readdir('/proc/self/fd')).length;

const message = [
  'From: Ann <ann@example.test>',
  'To: bob@example.test',
  'Subject: two attachments',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="m"',
  '',
  '--m',
  'Content-Type: text/plain',
  '',
  'Hello, see https://example.test',
  '--m',
  'Content-Type: application/octet-stream; name="one.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('first attachment').toString('base64'),
  '--m',
  'Content-Type: application/octet-stream; name="two.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('second attachment').toString('base64'),
  '--m--',
  '',
].join('\r\n');

describe('MessageParserPool', () => {
  let dir: string;
  let pool: MessageParserPool;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fumi-parser-pool-'));
  });
  afterEach(() => pool?.close());
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('parses a file and a stream in a worker as mailparser does on the loop, attachments as Buffers', async () => {
    pool = new MessageParserPool({ workers: 1 });
    const path = join(dir, 'm.eml');
    await writeFile(path, message);
    const expected = await simpleParser(message);
    for (const parsed of [await pool.parse({ path }), await pool.parse(Readable.from([Buffer.from(message)]))]) {
      expect(parsed.subject).toBe(expected.subject);
      expect(parsed.text).toBe(expected.text);
      expect(parsed.from?.value).toEqual(expected.from?.value);
      expect(parsed.headers.get('subject')).toBe('two attachments');
      expect(parsed.attachments.map((a) => [a.filename, Buffer.isBuffer(a.content), a.content.toString()])).toEqual([
        ['one.bin', true, 'first attachment'],
        ['two.bin', true, 'second attachment'],
      ]);
    }
  });

  it('sends back only the attachment asked for, none when told, and leaves out the bodies it is told to', async () => {
    pool = new MessageParserPool({ workers: 1 });
    const one = await pool.parse(Readable.from([message]), { attachments: 1 });
    expect(one.attachments.map((a) => [a.size, a.content.toString()])).toEqual([
      [16, ''],
      [17, 'second attachment'],
    ]);
    const all = await pool.parse(Readable.from([message]), { omit: ['attachmentContents'] });
    expect(all.attachments.map((a) => [a.size, a.content.length])).toEqual([
      [16, 0],
      [17, 0],
    ]);
    const none = await pool.parse(Readable.from([message]), { attachments: 'none', omit: ['text', 'html'] });
    expect(none.attachments.map((a) => a.content.length)).toEqual([0, 0]);
    expect([none.text, none.html]).toEqual(['', false]); // the text omitted yet still there; no HTML, as mailparser says
  });

  it('gives the HTML as UTF-8 bytes when asked', async () => {
    pool = new MessageParserPool({ workers: 1 });
    const html = largeQpHtml(10_000);
    const asString = await pool.parse(Readable.from([html]));
    const asBytes = await pool.parse(Readable.from([html]), { htmlAs: 'buffer' });
    expect(Buffer.isBuffer(asBytes.html)).toBe(true);
    expect(asBytes.html.toString()).toBe(asString.html);
    expect((await pool.parse(Readable.from([message]), { htmlAs: 'buffer' })).html).toBe(false);
  });

  it('passes mailparser options, and refuses function options it cannot send to a worker', async () => {
    pool = new MessageParserPool({ workers: 1 });
    const html = largeQpHtml(10_000);
    expect((await pool.parse(Readable.from([html]), { parser: { skipHtmlToText: true } })).text).toBe('');
    expect((await pool.parse(Readable.from([html]), { parser: { skipHtmlToText: false } })).text).toContain('cell €');
    await expect(pool.parse(Readable.from([html]), { parser: { formatDateString: (d: Date) => d.toISOString() } })).rejects.toThrow(
      "mailparser's formatDateString option is a function and cannot be passed to a worker thread",
    );
  });

  it('fails at once with ParserPoolBusyError when every worker is busy and the queue is full', async () => {
    pool = new MessageParserPool({ workers: 1, queue: 1 });
    const slow = new Readable({ read() {} }); // the first parse waits on this stream
    slow.push(message.slice(0, 100));
    const running = pool.parse(slow);
    const queued = pool.parse(Readable.from([message]));
    await expect(pool.parse(Readable.from([message]))).rejects.toBeInstanceOf(ParserPoolBusyError);
    expect(pool.pending).toBe(2);
    slow.push(message.slice(100));
    slow.push(null);
    expect((await running).subject).toBe('two attachments');
    expect((await queued).subject).toBe('two attachments');
    expect(pool.pending).toBe(0);
  });

  it('rejects what the parser refuses with its reason, and leaves no file open', async () => {
    pool = new MessageParserPool({ workers: 2 });
    const refused = hostileCorpus().filter((m) => m.refused);
    const paths = await Promise.all(refused.map(async (m, i) => {
      const path = join(dir, `refused-${i}.eml`);
      await writeFile(path, m.body + 'x'.repeat(4 * 1024 * 1024)); // the refusal comes long before the end of the file
      return path;
    }));
    await pool.parse({ path: paths[0]! }).catch(() => undefined); // the workers' own handles are open from here on
    const before = await openFiles();
    for (let round = 0; round < 10; round++) {
      for (const [i, path] of paths.entries()) {
        const failure = pool.parse({ path });
        await expect(failure).rejects.toMatchObject({ code: 'EMAXLEN', message: refused[i]!.refused === 'maxHeadSize' ? 'Max header size for a MIME node exceeded' : 'Max allowed child nodes exceeded' });
      }
    }
    await waitFor(async () => (await openFiles()) <= before);
  });

  it('fails a job whose stream fails, queued or running, with the stream\'s own error, and goes on with the next', async () => {
    pool = new MessageParserPool({ workers: 1, queue: 4 });
    const running = new Readable({ read() {} });
    running.push(message.slice(0, 200));
    const queued = new Readable({ read() {} });
    const first = pool.parse(running);
    const second = pool.parse(queued);
    const third = pool.parse(Readable.from([message]));
    const gone = new ClientDisconnectedException();
    queued.destroy(new Error('queued and failed'));
    await expect(second).rejects.toThrow('queued and failed');
    running.destroy(gone);
    await expect(first).rejects.toBe(gone);
    expect((await third).subject).toBe('two attachments');
    const failedAlready = new Readable({ read() {} });
    failedAlready.destroy(new Error('failed before it was given'));
    await expect(pool.parse(failedAlready)).rejects.toThrow('failed before it was given');
    const paused = Readable.from([message]);
    paused.pause();
    expect((await pool.parse(paused)).subject).toBe('two attachments');
    const closedEarly = new Readable({ read() {} });
    const fourth = pool.parse(closedEarly);
    closedEarly.destroy(); // no error, no end: the job must not wait for ever
    await expect(fourth).rejects.toThrow('The message stream closed before its end');
    expect(pool.pending).toBe(0);
  });

  it('reads an fs.ReadStream as a stream and closes it, and closes what it refuses', async () => {
    pool = new MessageParserPool({ workers: 1, queue: 0 });
    const path = join(dir, 'stream.eml');
    await writeFile(path, message);
    const stream = createReadStream(path);
    expect((await pool.parse(stream)).subject).toBe('two attachments');
    expect(stream.destroyed).toBe(true);
    const slow = new Readable({ read() {} });
    const busy = pool.parse(slow);
    const refused = createReadStream(path);
    await expect(pool.parse(refused)).rejects.toBeInstanceOf(ParserPoolBusyError);
    expect(refused.destroyed).toBe(true);
    slow.push(message);
    slow.push(null);
    await busy;
  });

  it('fails running and waiting parses on close(), and refuses new ones', async () => {
    pool = new MessageParserPool({ workers: 1 });
    const slow = new Readable({ read() {} });
    const running = pool.parse(slow);
    const waiting = pool.parse(Readable.from([message]));
    await pool.close();
    await expect(running).rejects.toMatchObject({ failure: 'closed' });
    await expect(waiting).rejects.toBeInstanceOf(ParserWorkerError);
    expect(slow.destroyed).toBe(true);
    await expect(pool.parse(Readable.from([message]))).rejects.toThrow('MessageParserPool is closed');
  });

  it('starts a new worker after one has ended', async () => {
    pool = new MessageParserPool({ workers: 1, idleTimeout: 10 });
    expect((await pool.parse(Readable.from([message]))).subject).toBe('two attachments');
    await new Promise((resolve) => setTimeout(resolve, 100)); // past the idle timeout: the worker has ended
    expect((await pool.parse(Readable.from([message]))).subject).toBe('two attachments');
  });

  it('names the option a wrong value is for', () => {
    expect(() => new MessageParserPool({ workers: 0 })).toThrow('MessageParserPool: workers must be an integer of at least 1, got 0');
    expect(() => new MessageParserPool({ queue: 1.5 })).toThrow('MessageParserPool: queue must be an integer of at least 0, got 1.5');
  });
});
