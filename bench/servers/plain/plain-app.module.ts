import { Module } from '@nestjs/common';
import { FumiModule } from '../../../lib/index.js';
import { fumiBenchOptions } from '../fumi-bench-options.js';
import { PlainHandlers } from './plain-handlers.js';

@Module({
  imports: [FumiModule.forRoot(fumiBenchOptions)],
  providers: [PlainHandlers],
})
export class PlainAppModule {}
