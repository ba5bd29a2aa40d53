import { Controller, Get, Header, NotFoundException, Param, StreamableFile } from '@nestjs/common';
import { WebAssets } from './web-assets.js';

/**
 * What the pages may do: run and style only our own files, talk only to this server, frame only
 * our own message view (itself sandboxed). No CDN, no inline script, nothing remote.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Serves the web inbox (`/`), the live session view (`/live`) and their scripts and styles. */
@Controller()
export class PagesController {
  constructor(private readonly assets: WebAssets) {}

  /** The web inbox. */
  @Get()
  @Header('Content-Security-Policy', PAGE_CSP)
  inbox(): StreamableFile {
    return this.serve('inbox.html');
  }

  /** The live view of SMTP sessions. */
  @Get('live')
  @Header('Content-Security-Policy', PAGE_CSP)
  live(): StreamableFile {
    return this.serve('live.html');
  }

  /** A script or style sheet of the pages, by file name; no-cache so an upgrade shows at once. */
  @Get('assets/:name')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string): StreamableFile {
    return this.serve(name);
  }

  private serve(name: string): StreamableFile {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException();
    return new StreamableFile(asset.body, { type: asset.contentType, length: asset.body.length });
  }
}
