import { applyDecorators, UseGuards, UseInterceptors } from '@nestjs/common';
import { LoopbackOnlyGuard } from './loopback-only.guard.js';
import { PhaseCountingInterceptor } from './phase-counting.interceptor.js';

/** The guard and the interceptor every handler class of the full variant runs through. */
export const WithFullPipeline = (): ClassDecorator =>
  applyDecorators(UseGuards(LoopbackOnlyGuard), UseInterceptors(PhaseCountingInterceptor));
