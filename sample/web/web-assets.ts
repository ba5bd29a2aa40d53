import { Injectable, type OnModuleInit } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A page or script of the web UI, held in memory. */
export interface WebAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The hand-written HTML, CSS and JS of the inbox and live pages, from `assets/` next to this
 * module: `sample/web/assets` under ts-jest, `dist/sample/web/assets` once `nest start` has built
 * (nest-cli.json copies them). They are read once at start-up, so a build that lost them fails
 * at boot rather than on the first page view, and requests are served from a fixed set of names,
 * never from a path made of the URL.
 */
@Injectable()
export class WebAssets implements OnModuleInit {
  static readonly directory = fileURLToPath(new URL('./assets/', import.meta.url));
  private readonly assets = new Map<string, WebAsset>();

  async onModuleInit(): Promise<void> {
    const names = (await readdir(WebAssets.directory)).filter((name) => CONTENT_TYPES[extname(name)]);
    if (!names.includes('inbox.html') || !names.includes('live.html')) {
      throw new Error(`The web UI's pages are missing from ${WebAssets.directory}`);
    }
    for (const name of names) {
      this.assets.set(name, { body: await readFile(WebAssets.directory + name), contentType: CONTENT_TYPES[extname(name)]! });
    }
  }

  /** The asset with this file name, or `undefined`. */
  get(name: string): WebAsset | undefined {
    return this.assets.get(name);
  }
}
