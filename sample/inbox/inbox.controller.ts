import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Query,
  Req,
  Res,
  StreamableFile,
  UnprocessableEntityException,
  UseFilters,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { attachmentDisposition } from './content-disposition.js';
import { MaildirReader } from './maildir.reader.js';
import { MessageIdPipe } from './message-id.pipe.js';
import type { MessageDetail, MessageSummary } from './message.views.js';
import { MessageOpener, MessageRefusedError } from './message-opener.js';
import { ParserBusyFilter } from './parser-busy.filter.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { pageLimit } from './page-limit.js';
import type { StoredMessage } from './stored-message.js';

/**
 * What a message's HTML may do once shown: nothing but draw itself. No scripts, plugins, forms or
 * navigation (`sandbox`), nothing fetched from anywhere (`default-src 'none'`: remote images,
 * fonts and style sheets stay unloaded, so no tracking pixel fires), only its inline styles and
 * the images the message carries (`data:`), and only inside our own page.
 */
export const MESSAGE_HTML_CSP =
  "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the HTML route answers for a message it cannot show: why, and where to download it. */
function cannotShowPage(id: string, reason: string): string {
  const raw = `/api/messages/${encodeURIComponent(id)}/raw`;
  return `<!doctype html><meta charset="utf-8"><p style="font-family:sans-serif">This message cannot be shown here: ${escapeHtml(reason)}. <a href="${escapeHtml(raw)}" target="_top" download>Download it as stored (.eml)</a>.</p>`;
}

/** The policy of that notice: no script, nothing loaded, only its inline style and a link. */
const NOTICE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/**
 * The inbox's JSON API over the Maildir: list, read, download and delete stored messages.
 * Messages are found by id (their Maildir file name); see the README for the routes.
 */
@Controller('api/messages')
@UseFilters(ParserBusyFilter)
export class InboxController {
  constructor(
    private readonly reader: MaildirReader,
    private readonly opener: MessageOpener,
  ) {}

  /**
   * One page of messages, newest first (`limit`, default 50, at most 500); `?mailbox=` keeps one
   * mailbox's. The next page, if any, is in the `Link` header (RFC 8288) with its opaque `cursor`.
   */
  @Get()
  async list(
    @Res({ passthrough: true }) response: ServerResponse,
    @Query('mailbox') mailbox?: string,
    @Query('limit') limitParameter?: string,
    @Query('cursor') cursor?: string,
  ): Promise<MessageSummary[]> {
    // express makes a repeated parameter an array: refuse it rather than guess which one was meant
    if ([mailbox, limitParameter, cursor].some((value) => value !== undefined && typeof value !== 'string')) {
      throw new BadRequestException('mailbox, limit and cursor may each be given once');
    }
    const limit = pageLimit(limitParameter);
    const page = await this.reader.page(limit, cursor ? decodeCursor(cursor) : undefined, mailbox || undefined);
    if (page.next) {
      const query = new URLSearchParams({ ...(mailbox ? { mailbox } : {}), cursor: encodeCursor(page.next), limit: String(limit) });
      response.setHeader('Link', `</api/messages?${query}>; rel="next"`);
    }
    return page.summaries;
  }

  /** One message: its summary, header lines, text body and attachment list, or why it cannot be parsed. */
  @Get(':id')
  async get(@Param('id', MessageIdPipe) id: string): Promise<MessageDetail> {
    const message = await this.message(id);
    const [summary, content] = await Promise.all([this.reader.summaryOf(message), this.opener.view(message)]);
    return { ...summary, ...content };
  }

  /** The message exactly as stored, as a `.eml` download. */
  @Get(':id/raw')
  async raw(@Param('id', MessageIdPipe) id: string): Promise<StreamableFile> {
    const message = await this.message(id);
    return new StreamableFile(await this.reader.read(message), {
      type: 'message/rfc822',
      disposition: attachmentDisposition(`${id}.eml`),
      length: message.size,
    });
  }

  /**
   * The HTML body, to be shown in a sandboxed frame; it can run nothing and load nothing. A
   * message that cannot be shown gets a short page saying why.
   */
  @Get(':id/html')
  async html(@Param('id', MessageIdPipe) id: string, @Res({ passthrough: true }) response: ServerResponse): Promise<StreamableFile> {
    response.setHeader('Content-Security-Policy', MESSAGE_HTML_CSP);
    const content = await this.opener.html(await this.message(id));
    if ('none' in content) throw new NotFoundException('This message has no HTML body');
    if ('cannotShow' in content) {
      // our own page, not the message's: it may link to the download
      response.setHeader('Content-Security-Policy', NOTICE_CSP);
      const page = Buffer.from(cannotShowPage(id, content.cannotShow.reason));
      return new StreamableFile(page, { type: 'text/html; charset=utf-8', length: page.length });
    }
    return new StreamableFile(content.html, { type: 'text/html; charset=utf-8', length: content.html.length });
  }

  /** One attachment, always as a download (never rendered by the browser); `HEAD` does not extract it. */
  @Get(':id/attachments/:index')
  async attachment(
    @Req() request: { method: string },
    @Param('id', MessageIdPipe) id: string,
    @Param('index', ParseIntPipe) index: number,
  ): Promise<StreamableFile> {
    const withContent = request.method !== 'HEAD';
    let attachment;
    try {
      attachment = await this.opener.attachment(await this.message(id), index, withContent);
    } catch (error) {
      if (!(error instanceof MessageRefusedError)) throw error;
      throw new UnprocessableEntityException({ statusCode: 422, message: 'This message cannot be parsed: download it from /raw', ...error.parseError });
    }
    if (!attachment) throw new NotFoundException('No such attachment');
    return new StreamableFile(withContent ? attachment.content : Buffer.alloc(0), {
      type: attachment.contentType || 'application/octet-stream',
      disposition: attachmentDisposition(attachment.filename ?? `attachment-${index + 1}`),
      length: withContent ? attachment.content.length : attachment.size,
    });
  }

  /** Deletes one message from every mailbox it is in. */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id', MessageIdPipe) id: string): Promise<void> {
    await this.reader.delete(await this.message(id));
  }

  /** Deletes every message; answers how many there were. */
  @Delete()
  async deleteAll(): Promise<{ deleted: number }> {
    return { deleted: await this.reader.deleteAll() };
  }

  private async message(id: string): Promise<StoredMessage> {
    const message = await this.reader.find(id);
    if (!message) throw new NotFoundException('No such message');
    return message;
  }
}
