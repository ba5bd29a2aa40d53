import { compare } from 'bcryptjs';
import { createHash } from 'node:crypto';

/** A request as the login reads it, and the response it answers refusals on. */
interface Request {
  readonly path: string;
  readonly ip?: string;
  readonly headers: Record<string, string | string[] | undefined>;
}
interface Response {
  status(code: number): Response;
  setHeader(name: string, value: string): void;
  end(body?: string): void;
}

/** Paths a load balancer asks without credentials. */
const OPEN_PATHS = new Set(['/health']);
/** How long a verified `Authorization` header is taken without running bcrypt again. */
const VERIFIED_FOR_MS = 5 * 60_000;
/** Failed logins one address may make per window before it is refused without a bcrypt run. */
const FAILURES_PER_ADDRESS = 5;
const FAILURE_WINDOW_MS = 60_000;
/** bcrypt runs at once, process-wide: login attempts must never take the CPU SMTP needs. */
const CONCURRENT_VERIFICATIONS = 2;
/** Remembered headers and addresses past which the expired ones are dropped, so memory stays bounded. */
const MAX_REMEMBERED = 10_000;

/** Drops the entries of `map` that `expired` says are over, and everything if that is not enough. */
function prune<V>(map: Map<string, V>, expired: (value: V) => boolean): void {
  if (map.size < MAX_REMEMBERED) return;
  for (const [key, value] of map) if (expired(value)) map.delete(key);
  if (map.size >= MAX_REMEMBERED) map.clear();
}

/**
 * HTTP basic authentication for the inbox, its API and its event streams, against bcrypt hashes
 * (an htpasswd file). bcrypt is deliberately slow, so its cost is bounded: a verified header is
 * remembered, an address with too many failures gets 429, and beyond two verifications in flight
 * a request gets 503, all without running bcrypt.
 */
export function inboxLogin(users: ReadonlyMap<string, string>, now: () => number = Date.now) {
  const verified = new Map<string, number>();
  const failures = new Map<string, { count: number; since: number }>();
  let running = 0;

  const challenge = (response: Response) => {
    response.setHeader('WWW-Authenticate', 'Basic realm="nestjs-fumi inbox", charset="UTF-8"');
    response.status(401).end('Login required');
  };

  return (request: Request, response: Response, next: () => void): void => {
    if (OPEN_PATHS.has(request.path)) return next();
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !/^Basic /i.test(header)) return challenge(response);
    const key = createHash('sha256').update(header).digest('hex');
    if ((verified.get(key) ?? 0) > now()) return next();

    const address = request.ip ?? '';
    const failed = failures.get(address);
    if (failed && now() - failed.since < FAILURE_WINDOW_MS && failed.count >= FAILURES_PER_ADDRESS) {
      response.setHeader('Retry-After', String(Math.ceil((failed.since + FAILURE_WINDOW_MS - now()) / 1000)));
      return void response.status(429).end('Too many failed logins');
    }
    if (running >= CONCURRENT_VERIFICATIONS) {
      response.setHeader('Retry-After', '1');
      return void response.status(503).end('Busy, try again');
    }
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const hash = colon > 0 ? users.get(decoded.slice(0, colon)) : undefined;
    running++;
    // An unknown user costs the same bcrypt run, so the time taken does not tell users apart.
    compare(decoded.slice(colon + 1), hash ?? UNKNOWN_USER_HASH)
      .then((ok) => {
        if (ok && hash) {
          prune(verified, (until) => until <= now());
          verified.set(key, now() + VERIFIED_FOR_MS);
          failures.delete(address);
          return next();
        }
        const entry = failed && now() - failed.since < FAILURE_WINDOW_MS ? failed : { count: 0, since: now() };
        entry.count++;
        prune(failures, ({ since }) => now() - since >= FAILURE_WINDOW_MS);
        failures.set(address, entry);
        challenge(response);
      })
      .catch(() => challenge(response))
      .finally(() => running--);
  };
}

/** A hash no password matches, at htpasswd's default cost. */
const UNKNOWN_USER_HASH = '$2y$05$' + 'A'.repeat(53);
