import { hashSync } from 'bcryptjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSampleWeb, type RunningSample } from './support/sample-web.js';

/** A bcrypt hash as `htpasswd -B` writes it (`$2y$`); cost 4 keeps the tests quick. */
const htpasswdHash = (password: string) => hashSync(password, 4).replace(/^\$2b\$/, '$2y$');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('sample: the inbox login', () => {
  let dir: string;
  let authFile: string;
  let sample: RunningSample | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fumi-login-'));
    authFile = join(dir, 'htpasswd');
    await writeFile(authFile, `# inbox users\nalice:${htpasswdHash('wonderland')}\n\nbob:${htpasswdHash('builder')}\n`);
  });
  afterEach(async () => {
    await sample?.close();
    sample = undefined;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const get = (path: string, authorization?: string) =>
    fetch(`${sample!.url}${path}`, authorization ? { headers: { authorization } } : {});

  it('refuses to start off loopback without a login, saying why', async () => {
    await expect(startSampleWeb({ HTTP_HOST: '0.0.0.0' })).rejects.toThrow(
      'HTTP_HOST=0.0.0.0 lets other machines read the inbox: set INBOX_AUTH_FILE to an htpasswd file of bcrypt hashes',
    );
  });

  it('refuses an htpasswd file without bcrypt hashes, naming the line', async () => {
    const md5 = join(dir, 'md5');
    await writeFile(md5, 'carol:$apr1$abcdefgh$0123456789abcdefghijkl\n');
    await expect(startSampleWeb({ INBOX_AUTH_FILE: md5 })).rejects.toThrow(`${md5} line 1: expected user:<bcrypt hash> (htpasswd -B)`);
  });

  it('asks for a login on the inbox, its API and its event stream, and lets the health check through', async () => {
    sample = await startSampleWeb({ INBOX_AUTH_FILE: authFile });
    for (const path of ['/', '/api/messages', '/api/events/messages', '/api/events/sessions', '/metrics']) {
      const response = await get(path);
      expect([path, response.status, response.headers.get('www-authenticate')]).toEqual([
        path,
        401,
        'Basic realm="nestjs-fumi inbox", charset="UTF-8"',
      ]);
    }
    expect((await get('/api/messages', basic('alice', 'wrong'))).status).toBe(401);
    expect((await get('/api/messages', basic('mallory', 'wonderland'))).status).toBe(401);
    expect((await get('/api/messages', basic('alice', 'wonderland'))).status).toBe(200);
    expect((await get('/api/messages', basic('bob', 'builder'))).status).toBe(200);
    expect((await get('/health')).status).toBe(200);
  });

  it('answers 429 without checking the password once an address has failed five times a minute', async () => {
    sample = await startSampleWeb({ INBOX_AUTH_FILE: authFile });
    for (let i = 0; i < 5; i++) expect((await get('/api/messages', basic('alice', `guess${i}`))).status).toBe(401);
    const refused = await get('/api/messages', basic('alice', 'wonderland'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
