import { readFileSync } from 'node:fs';

/** A bcrypt hash as `htpasswd -B` writes it (`$2y$`), or as other tools do (`$2a$`, `$2b$`). */
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/**
 * The users of an htpasswd file, by name: `user:<bcrypt hash>` lines, `#` comments and blank
 * lines allowed. Only bcrypt hashes are taken (as Mailpit's `--ui-auth-file`): a file with other
 * kinds (MD5 `$apr1$`, SHA1, crypt) fails naming the line, rather than locking its users out.
 */
export function readHtpasswd(path: string): Map<string, string> {
  const users = new Map<string, string>();
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const [user, hash] = [line.slice(0, colon), line.slice(colon + 1)];
    if (colon <= 0 || !BCRYPT.test(hash)) {
      throw new Error(`${path} line ${index + 1}: expected user:<bcrypt hash> (htpasswd -B), got "${user || line}:…"`);
    }
    users.set(user, hash);
  });
  if (!users.size) throw new Error(`${path} names no user: add one with htpasswd -B ${path} <user>`);
  return users;
}
