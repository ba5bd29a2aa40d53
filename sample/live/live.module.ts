import { Module } from '@nestjs/common';
import { LiveController } from './live.controller.js';
import { SessionLog } from './session-log.js';

/** The live view's API, fed by the library's `FumiEvents` (global, from `FumiModule`). */
@Module({
  controllers: [LiveController],
  providers: [SessionLog],
})
export class LiveModule {}
