import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { Attachment, ParsedMail } from 'mailparser';
import { ParserPoolBusyError, ParserWorkerError, type ParsedMailWithHtmlBytes, type ParseJobOptions } from '../../lib/index.js';
import { SAMPLE_CONFIG, type InboxParsingLimits, type SampleConfig } from '../sample.config.js';
import { ByteBoundedCache } from './byte-bounded-cache.js';
import { headerLine } from './header-lines.js';
import { InboxChanges } from './inbox-changes.js';
import { MaildirReader } from './maildir.reader.js';
import type { MessageContent, ParseErrorView } from './message.views.js';
import type { StoredMessage } from './stored-message.js';

/** The HTML route's answer: the body to show, none, or why it cannot be shown. */
export type HtmlContent = { readonly html: Buffer } | { readonly none: true } | { readonly cannotShow: ParseErrorView | { reason: string; limit: 'maxInlineHtmlBytes' } };

/** A message the parser refuses, for routes that have nothing else to give (an attachment). */
export class MessageRefusedError extends Error {
  constructor(readonly parseError: ParseErrorView) {
    super(parseError.reason);
  }
}

/** Messages whose refusal was logged, so that requests cannot flood the log; forgotten beyond this. */
const MAX_WARNED = 10_000;

/**
 * Opens stored messages for the inbox's routes: each parses only what it shows (the view skips
 * the text→HTML conversion, the HTML route the HTML→text one, attachments come back only when
 * downloaded), in the parser threads, once: views are cached and shared by requests in flight.
 * What the parser refuses is shown as far as it can be, never as a server error.
 */
@Injectable()
export class MessageOpener {
  private readonly logger = new Logger('Inbox');
  private readonly limits: InboxParsingLimits;
  private readonly cache: ByteBoundedCache<MessageContent | HtmlContent>;
  private readonly inFlight = new Map<string, Promise<MessageContent | HtmlContent>>();
  private readonly warned = new Set<string>();

  constructor(
    @Inject(SAMPLE_CONFIG) config: SampleConfig,
    private readonly reader: MaildirReader,
    changes: InboxChanges,
  ) {
    this.limits = config.inboxParsing;
    this.cache = new ByteBoundedCache(this.limits.cacheBytes);
    changes.changes$.subscribe((change) => {
      if (change.kind !== 'deleted') return;
      for (const id of change.ids) for (const kind of ['view', 'html']) this.forget(`${kind}:${id}`);
    });
  }

  /** Headers, text, attachment list: what `GET /api/messages/:id` shows. */
  view(message: StoredMessage): Promise<MessageContent> {
    return this.once(`view:${message.id}`, async () => {
      const raw = `/api/messages/${encodeURIComponent(message.id)}/raw`;
      const parsed = await this.parse(message, {
        parser: { skipTextToHtml: true, skipTextLinks: true, maxHtmlLengthToParse: this.limits.maxHtmlToTextBytes },
        attachments: 'none',
        omit: ['html', 'textAsHtml'],
      });
      if ('parseError' in parsed) {
        const headers = await this.reader.headerLines(message);
        return { headers, text: null, textTruncated: false, hasHtml: false, attachments: [], parseError: parsed.parseError, raw };
      }
      const omitted = parsed.textConversionError && !parsed.text ? textOmission(parsed.textConversionError, this.limits.maxHtmlToTextBytes) : undefined;
      const text = omitted ? null : (parsed.text ?? null);
      const truncated = text !== null && text.length > this.limits.maxTextChars;
      return {
        headers: parsed.headerLines.map(({ line }) => headerLine(line)),
        text: truncated ? text.slice(0, this.limits.maxTextChars) : text,
        textTruncated: truncated,
        ...(omitted ? { textOmitted: omitted } : {}),
        hasHtml: typeof parsed.html === 'string',
        attachments: parsed.attachments.map((a, index) => ({
          index,
          filename: a.filename ?? `attachment-${index + 1}`,
          contentType: a.contentType,
          size: a.size,
          disposition: a.contentDisposition ?? 'attachment',
        })),
        raw,
      };
    }) as Promise<MessageContent>;
  }

  /** The HTML body, if the message has one small enough to show inline. */
  html(message: StoredMessage): Promise<HtmlContent> {
    return this.once(`html:${message.id}`, async () => {
      // every attachment kept in the thread, so that inline images become data: URLs; none sent back
      const parsed = await this.parse(message, {
        parser: { skipHtmlToText: true, skipTextLinks: true },
        omit: ['text', 'textAsHtml', 'attachmentContents'],
        htmlAs: 'buffer',
      });
      if ('parseError' in parsed) return { cannotShow: parsed.parseError };
      if (!parsed.html) return { none: true };
      // bytes made once in the parser thread, and the same bytes sent to every request
      const html = Buffer.isBuffer(parsed.html) ? parsed.html : Buffer.from(parsed.html);
      if (html.length > this.limits.maxInlineHtmlBytes) {
        return { cannotShow: { reason: `its HTML is larger than the inbox shows inline (${this.limits.maxInlineHtmlBytes} bytes)`, limit: 'maxInlineHtmlBytes' } };
      }
      return { html };
    }) as Promise<HtmlContent>;
  }

  /** One attachment: with its content, or (for `HEAD`) only what its headers need. Never cached. */
  async attachment(message: StoredMessage, index: number, withContent: boolean): Promise<Attachment | undefined> {
    const parsed = await this.parse(message, {
      parser: { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true },
      attachments: withContent ? index : 'none',
      omit: ['text', 'html', 'textAsHtml'],
    });
    if ('parseError' in parsed) throw new MessageRefusedError(parsed.parseError);
    return parsed.attachments[index];
  }

  /** The parse, or why there is none: too large to parse, or refused by the parser (logged once per message). */
  private async parse(message: StoredMessage, options: ParseJobOptions): Promise<ParsedMail | ParsedMailWithHtmlBytes | { parseError: ParseErrorView }> {
    if (message.size > this.limits.maxParseBytes) {
      return { parseError: { reason: `it is larger than the inbox parses (${this.limits.maxParseBytes} bytes)`, limit: 'maxParseBytes' } };
    }
    try {
      return await this.reader.parse(message, options);
    } catch (error) {
      const parseError = refusal(error);
      if (!parseError) throw error;
      this.warnOnce(message.id, parseError.reason);
      return { parseError };
    }
  }

  private once(key: string, open: () => Promise<MessageContent | HtmlContent>): Promise<MessageContent | HtmlContent> {
    const known = this.cache.get(key) ?? this.inFlight.get(key);
    if (known) return Promise.resolve(known);
    const opening = open().then(
      (content) => {
        if (this.inFlight.get(key) === opening) this.cache.set(key, content, weigh(content));
        return content;
      },
    ).finally(() => {
      if (this.inFlight.get(key) === opening) this.inFlight.delete(key);
    });
    this.inFlight.set(key, opening);
    return opening;
  }

  private forget(key: string): void {
    this.cache.delete(key);
    this.inFlight.delete(key);
  }

  private warnOnce(id: string, reason: string): void {
    if (this.warned.has(id)) return;
    if (this.warned.size >= MAX_WARNED) this.warned.clear();
    this.warned.add(id);
    this.logger.warn(`message ${id} cannot be parsed: ${reason}; it can still be downloaded as stored`);
  }
}

/** Why there is no text: the size limit, or what the conversion said (HTML nested too deep, say). */
function textOmission(error: Error, limit: number): string {
  return /too long/i.test(error.message) ? `its HTML is larger than the inbox makes text of (${limit} bytes)` : `its HTML cannot be made text: ${error.message}`;
}

/** What the parser said about the message itself, or `undefined` for a fault of ours (a file error, a busy or closed pool). */
function refusal(error: unknown): ParseErrorView | undefined {
  if (!(error instanceof Error) || error instanceof ParserPoolBusyError || error instanceof ParserWorkerError || error instanceof NotFoundException) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EMAXLEN') {
    return { reason: error.message, limit: /child nodes/i.test(error.message) ? 'maxChildNodes' : 'maxHeadSize' };
  }
  // a system error (EMFILE, EIO...) is not the message's doing
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return undefined;
  return { reason: error.message, limit: null };
}

/** About what a cached entry holds: its bytes, or its strings at two bytes a character. */
function weigh(content: MessageContent | HtmlContent): number {
  if ('html' in content) return content.html.length;
  return 256 + JSON.stringify(content).length * 2;
}
