import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SmtpTestClient } from '../lib/testing/index.js';
import type { MessageSummary } from '../sample/inbox/message.views.js';
import { folderAddress, mailboxFolder } from '../sample/policy/mailbox-folder.js';
import { startSampleWeb, type RunningSample } from './support/sample-web.js';

/** Recipients whose addresses look like paths, as smtp-server accepts them: each must land in a folder of its own. */
const PATH_LIKE = [
  ['a/b@example.test', 'a%2Fb@example.test'],
  ['outbound/x@example.test', 'outbound%2Fx@example.test'],
  ['/tmp/x@example.test', '%2Ftmp%2Fx@example.test'],
  ['first.last@example.test', 'first.last@example.test'],
  ['100%@example.test', '100%25@example.test'],
  ['".hidden"@example.test', '".hidden"@example.test'],
] as const;
/** Names smtp-server refuses itself (`..`, a leading dot), encoded all the same should one get through. */
const REFUSED_BY_SMTP_SERVER = [
  ['../../etc@example.test', '%2E.%2F..%2Fetc@example.test'],
  ['.hidden@example.test', '%2Ehidden@example.test'],
] as const;

describe('sample: mailbox folders', () => {
  let sample: RunningSample;
  beforeAll(async () => {
    sample = await startSampleWeb({ MAIL_DOMAINS: 'example.test' });
  });
  afterAll(() => sample.close());

  const folders = async () => (await readdir(sample.maildir)).filter((name) => !name.startsWith('.')).sort();

  it.each([...PATH_LIKE, ...REFUSED_BY_SMTP_SERVER])('encodes only what is unsafe: %s → %s, and back', (address, folder) => {
    expect(mailboxFolder(address)).toBe(folder);
    expect(folderAddress(folder)).toBe(address);
  });

  it('stores every accepted recipient in its own folder under the Maildir, and lists each message in the inbox', async () => {
    const client = await SmtpTestClient.connect(sample.smtpPort);
    await client.ehlo();
    for (const [address] of PATH_LIKE) {
      const result = await client.sendMail({ from: 'a@sender.test', to: [address], body: `Subject: to ${address}\r\n\r\nhi\r\n` });
      expect([address, result.data?.code]).toEqual([address, 250]);
    }
    for (const [address] of REFUSED_BY_SMTP_SERVER) {
      const result = await client.sendMail({ from: 'a@sender.test', to: [address], body: 'Subject: refused\r\n\r\nhi\r\n' });
      expect([address, result.rcptTo[0]!.code]).toEqual([address, 501]);
    }
    const unicode = await client.sendMail({ from: 'a@sender.test', to: ['jöran@example.test'], body: 'Subject: unicode\r\n\r\nhi\r\n' });
    expect(unicode.rcptTo[0]!.code).toBe(553); // no SMTPUTF8 asked for
    expect((await client.send('MAIL FROM:<a@sender.test> SMTPUTF8')).code).toBe(250);
    expect((await client.send('RCPT TO:<jöran@example.test>')).code).toBe(250);
    expect((await client.data('Subject: unicode\r\n\r\nhi\r\n')).code).toBe(250);
    await client.quit();

    expect(await folders()).toEqual([...PATH_LIKE.map(([, folder]) => folder), 'jöran@example.test'].sort());
    const listed = (await (await fetch(`${sample.url}/api/messages`)).json()) as MessageSummary[];
    expect(listed.flatMap((m) => m.mailboxes).sort()).toEqual([...PATH_LIKE.map(([address]) => address), 'jöran@example.test'].sort());
    for (const [address] of PATH_LIKE) {
      const one = (await (await fetch(`${sample.url}/api/messages?mailbox=${encodeURIComponent(address)}`)).json()) as MessageSummary[];
      expect([address, one.map((m) => m.subject)]).toEqual([address, [`to ${address}`]]);
    }
  });

  it('names message files <seconds>.M<microseconds>P<pid>R<random>.<host>', async () => {
    const files = await readdir(join(sample.maildir, mailboxFolder('a/b@example.test'), 'new'));
    expect(files).toHaveLength(1);
    const [, seconds, micros, pid] = /^(\d+)\.M(\d+)P(\d+)R[0-9a-f]{16}\.[A-Za-z0-9._-]+$/.exec(files[0]!) ?? [];
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(600);
    expect(Number(micros)).toBeLessThan(1_000_000);
    expect(Number(pid)).toBe(process.pid);
  });
});
