import { Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { FumiHealthIndicator } from './fumi-health.indicator.js';

/**
 * Provides `FumiHealthIndicator` for your terminus health controller. Import it next to
 * `TerminusModule.forRoot()` (needs the `@nestjs/terminus` peer dependency).
 */
@Module({
  // Its own HealthIndicatorService: the indicator works whichever module imports TerminusModule.
  providers: [HealthIndicatorService, FumiHealthIndicator],
  exports: [FumiHealthIndicator],
})
export class FumiHealthModule {}
