import { Module } from '@nestjs/common';
import { PagesController } from './pages.controller.js';
import { WebAssets } from './web-assets.js';

/** The browser side: the inbox and live pages and their static assets. */
@Module({
  controllers: [PagesController],
  providers: [WebAssets],
})
export class WebModule {}
