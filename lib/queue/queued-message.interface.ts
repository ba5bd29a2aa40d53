/**
 * A job's data: one accepted message and everything known about how it arrived. Plain JSON,
 * so any BullMQ worker (in any process, in any language) can read it.
 */
export interface QueuedMessage {
  /** Format version of this object. */
  readonly version: 1;
  /** The message's id, also its BullMQ job id: a job with an id already queued is not queued again. */
  readonly messageId: string;
  /** The SMTP server that accepted it (`'default'` unless named). */
  readonly server: string;
  readonly sessionId: string;
  /** 1 for the first message of the connection, then 2, ... */
  readonly transaction: number;
  /** When it was accepted (ISO 8601). */
  readonly receivedAt: string;
  readonly client: {
    /** The client's IP address (the real client's behind a PROXY-protocol load balancer). */
    readonly address: string;
    readonly port: number;
    /** What it said in EHLO/HELO. */
    readonly helo?: string;
    /** Reverse DNS of the address, when it was looked up. */
    readonly reverseHostname?: string;
    /** Who logged in (as given to `ctx.accept()`; objects by their `id`, `username` or `name`). */
    readonly user?: string;
    /** TLS protocol, when encrypted. */
    readonly tls?: string;
  };
  readonly envelope: {
    /** The sender; `''` for the null sender `<>` (bounces). */
    readonly mailFrom: string;
    readonly rcptTo: string[];
    readonly bodyType: string;
    readonly smtpUtf8: boolean;
  };
  /** The `Received:` header this server adds (CRLF-terminated); `openQueuedMessage()` prepends it. */
  readonly receivedHeader: string;
  /** Bytes of the body as received (without the `Received:` header). */
  readonly size: number;
  /** Hex SHA-256 of the body, checked when it is read back. */
  readonly sha256: string;
  /** The body: inside the job (base64), or in a file of the spool directory. */
  readonly body: { readonly inline: string } | { readonly path: string };
  /** What the handler added with `enqueue(ctx, { metadata })`. */
  readonly metadata: Readonly<Record<string, string | number | boolean | null>>;
}

/** What `FumiQueue.enqueue()` tells the handler once the job is safely queued. */
export interface QueuedMessageReceipt {
  readonly messageId: string;
  /** Where the body went. */
  readonly storage: 'inline' | 'file';
}

/** Per-message options of `FumiQueue.enqueue()`. */
export interface EnqueueOptions {
  /**
   * The message's id, also the job's id (no `:`). Default `<session id>-<transaction>`,
   * unique per accepted message. Derive it from content (e.g. a hash of envelope and
   * Message-ID) to have retried deliveries of one message dropped as duplicates.
   */
  messageId?: string;
  /** Small facts for the workers (routing decisions, a tenant id, ...). */
  metadata?: Record<string, string | number | boolean | null>;
}
