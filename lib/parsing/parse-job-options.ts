import type { ParsedMail, SimpleParserOptions } from 'mailparser';
import type { Readable } from 'node:stream';

/** What a `MessageParserPool` parses: a file its worker opens itself, or a stream the pool reads and sends on. */
export type ParserSource = { readonly path: string } | Readable;

export interface ParseJobOptions {
  /** mailparser's options; functions (`Iconv`, `formatDateString`) cannot cross to a worker. */
  readonly parser?: SimpleParserOptions;
  /**
   * Which attachments the parse keeps: all (default), none, or the one at this index. The others
   * are read through and dropped (their `size` stays), and `html` then keeps its `cid:` links.
   */
  readonly attachments?: 'all' | 'none' | number;
  /**
   * What not to send back: each body comes back as `''` if the message has it (so its presence
   * still shows), `attachmentContents` as empty contents after `html` has used inline images.
   */
  readonly omit?: readonly ('text' | 'html' | 'textAsHtml' | 'attachmentContents')[];
  /**
   * `'buffer'`: `html` comes back as its UTF-8 bytes, moved across rather than copied, for HTML
   * that goes straight to a response (a string of several MB is copied twice and doubles in size).
   */
  readonly htmlAs?: 'string' | 'buffer';
}

/** A parse whose `html` came back as bytes (`htmlAs: 'buffer'`). */
export type ParsedMailWithHtmlBytes = Omit<ParsedMail, 'html'> & { html: Buffer | false };
