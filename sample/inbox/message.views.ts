import type { AuthSummary, SpamSummary } from './trace-summary.js';

/** One stored message in the inbox list (`GET /api/messages`). */
export interface MessageSummary {
  /** The Maildir file name (without `:2,` flags): stable, unique, the same in every mailbox. */
  readonly id: string;
  /** The Maildir folders holding it: local recipients, and `outbound` for mail to elsewhere. */
  readonly mailboxes: readonly string[];
  /** The `From:` header as text (`"Ann" <ann@example.test>`), `''` when absent. */
  readonly from: string;
  /** The `To:` header as text, `''` when absent. */
  readonly to: string;
  readonly subject: string;
  /** Bytes on disk, our `Received:` header included. */
  readonly size: number;
  /** When this server stored it (ISO 8601). */
  readonly receivedAt: string;
  /** The sender's `Date:` header (ISO 8601), when it has a valid one. */
  readonly date?: string;
  /** SPF, DKIM and DMARC results, when mail authentication checked it (`DNS_SERVERS`). */
  readonly auth?: AuthSummary;
  /** rspamd's score and action, when rspamd scanned it (`RSPAMD_URL`). */
  readonly spam?: SpamSummary;
}

/** One attachment of a message; download it from `attachments/:index`. */
export interface AttachmentView {
  readonly index: number;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** `inline` parts are usually images shown inside the HTML body. */
  readonly disposition: string;
}

/** Why a stored message cannot be shown parsed: download it from `/raw` instead. */
export interface ParseErrorView {
  /** What the parser (or the inbox) said, e.g. `Max header size for a MIME node exceeded`. */
  readonly reason: string;
  /** The limit it ran into (`maxHeadSize`, `maxChildNodes`, `maxParseBytes`), or `null`. */
  readonly limit: 'maxHeadSize' | 'maxChildNodes' | 'maxParseBytes' | null;
}

/** What the inbox shows of a message's content: the part of `MessageDetail` a parse gives. */
export interface MessageContent {
  /** Header lines in order, as sent (not decoded); only those that could be read when `parseError` is set. */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** The plain-text body, or mailparser's text rendering of the HTML; `null` when there is none. */
  readonly text: string | null;
  /** `text` was cut at the inbox's `INBOX_MAX_TEXT_CHARS`. */
  readonly textTruncated: boolean;
  /** Why `text` is `null` although the message has an HTML body: it was too large to make text of. */
  readonly textOmitted?: string;
  /** Whether `GET /api/messages/:id/html` has an HTML body to show. */
  readonly hasHtml: boolean;
  readonly attachments: readonly AttachmentView[];
  /** Set when the message cannot be parsed: the rest is empty, and `raw` has it as stored. */
  readonly parseError?: ParseErrorView;
  /** Where to download the message as stored. */
  readonly raw: string;
}

/** One message as the inbox shows it (`GET /api/messages/:id`). */
export interface MessageDetail extends MessageSummary, MessageContent {}
