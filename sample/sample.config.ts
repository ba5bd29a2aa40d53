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
  /** How the inbox opens messages: parser threads, queue, limits and cache (see README). */
  inboxParsing: InboxParsingLimits;
  /** Mail authentication and spam filtering, each off until its variable is set. */
  filtering: FilteringConfig;
}

export interface FilteringConfig {
  /** `DNS_SERVERS` (`ip:port,...`): SPF, DKIM, ARC and DMARC through these name servers. */
  dnsServers?: string[];
  /** `DNSBL_ZONES`: blocklists asked at connect. */
  dnsblZones: string[];
  /** `GREYLIST=1`: greylisting at RCPT TO. */
  greylist: boolean;
  /** `RSPAMD_URL`: every message is scanned by this rspamd. */
  rspamdUrl?: string;
}

export interface InboxParsingLimits {
  /** Parser worker threads; default one less than the cores, at least 1. */
  workers?: number;
  /** Requests waiting for a parser before 503. */
  queue: number;
  /** Larger messages are not parsed: their headers and the raw download only. */
  maxParseBytes: number;
  /** A larger HTML body is not shown inline (download the message instead). */
  maxInlineHtmlBytes: number;
  /** The JSON view's `text` is cut here (`textTruncated: true`). */
  maxTextChars: number;
  /** The view makes text of an HTML-only body up to this size (a large one takes seconds and hundreds of MB). */
  maxHtmlToTextBytes: number;
  /** Parsed views kept for the next request, in bytes. */
  cacheBytes: number;
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
    inboxParsing: {
      ...(env.INBOX_PARSE_WORKERS ? { workers: integer('INBOX_PARSE_WORKERS', env.INBOX_PARSE_WORKERS, 1) } : {}),
      queue: integer('INBOX_PARSE_QUEUE', env.INBOX_PARSE_QUEUE, 16),
      maxParseBytes: integer('INBOX_MAX_PARSE_BYTES', env.INBOX_MAX_PARSE_BYTES, 32 * 1024 * 1024),
      maxInlineHtmlBytes: integer('INBOX_MAX_INLINE_HTML_BYTES', env.INBOX_MAX_INLINE_HTML_BYTES, 16 * 1024 * 1024),
      maxTextChars: integer('INBOX_MAX_TEXT_CHARS', env.INBOX_MAX_TEXT_CHARS, 1024 * 1024),
      maxHtmlToTextBytes: integer('INBOX_MAX_HTML_TO_TEXT_BYTES', env.INBOX_MAX_HTML_TO_TEXT_BYTES, 2 * 1024 * 1024),
      cacheBytes: integer('INBOX_CACHE_BYTES', env.INBOX_CACHE_BYTES, 32 * 1024 * 1024),
    },
    filtering: {
      ...(env.DNS_SERVERS ? { dnsServers: list(env.DNS_SERVERS, '') } : {}),
      dnsblZones: list(env.DNSBL_ZONES, ''),
      greylist: env.GREYLIST === '1',
      ...(env.RSPAMD_URL ? { rspamdUrl: env.RSPAMD_URL } : {}),
    },
    ...(env.TLS_KEY ? { tlsKey: env.TLS_KEY } : {}),
    ...(env.TLS_CERT ? { tlsCert: env.TLS_CERT } : {}),
  };
}
