/** The sample's settings, from environment variables (see README). */
export interface SampleConfig {
  host: string;
  port: number;
  /** Interface of the web inbox; loopback unless `HTTP_HOST` says otherwise. */
  httpHost: string;
  /** An htpasswd file of bcrypt hashes: the inbox then asks for a login. Required off loopback. */
  inboxAuthFile?: string;
  httpPort: number;
  domains: Set<string>;
  maildir: string;
  users: Map<string, string>;
  blockedSenderDomains: Set<string>;
  maxMessageSize: number;
  tlsKey?: string;
  tlsCert?: string;
  /** Set: accepted messages go to a BullMQ queue in this Redis instead of Maildir. */
  queueRedisUrl?: string;
  queueName: string;
  /** Where bodies of large queued messages are kept until a worker has them. */
  queueSpoolDirectory: string;
}

export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');

const list = (value: string | undefined, fallback: string): string[] =>
  (value ?? fallback)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

function redisUrl(value: string): string {
  try {
    if (new URL(value).protocol === 'redis:') return value;
  } catch {
    // reported below
  }
  throw new Error(`QUEUE_REDIS_URL must be a redis:// URL, got "${value}"`);
}

export function loadSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const users = new Map<string, string>();
  for (const pair of list(env.SMTP_USERS, 'alice:wonderland')) {
    const at = pair.indexOf(':');
    if (at <= 0) throw new Error(`SMTP_USERS entries must be user:password, got "${pair}"`);
    users.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return {
    host: env.SMTP_HOST || '127.0.0.1',
    port: integer('SMTP_PORT', env.SMTP_PORT, 2525),
    // Not SMTP_HOST: opening SMTP to the network must not also open an inbox anyone could read.
    httpHost: env.HTTP_HOST || '127.0.0.1',
    httpPort: integer('HTTP_PORT', env.HTTP_PORT, 8025),
    domains: new Set(list(env.MAIL_DOMAINS, 'example.test').map((d) => d.toLowerCase())),
    maildir: env.MAILDIR || './var/maildir',
    users,
    blockedSenderDomains: new Set(list(env.BLOCKED_SENDER_DOMAINS, 'blocked.example').map((d) => d.toLowerCase())),
    maxMessageSize: integer('MAX_MESSAGE_SIZE', env.MAX_MESSAGE_SIZE, 10 * 1024 * 1024),
    ...(env.QUEUE_REDIS_URL ? { queueRedisUrl: redisUrl(env.QUEUE_REDIS_URL) } : {}),
    queueName: env.QUEUE_NAME || 'fumi-inbound',
    queueSpoolDirectory: env.QUEUE_SPOOL_DIR || './var/queue',
    ...(env.INBOX_AUTH_FILE ? { inboxAuthFile: env.INBOX_AUTH_FILE } : {}),
    ...(env.TLS_KEY ? { tlsKey: env.TLS_KEY } : {}),
    ...(env.TLS_CERT ? { tlsCert: env.TLS_CERT } : {}),
  };
}
