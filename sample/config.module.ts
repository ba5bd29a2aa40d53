import { Module } from '@nestjs/common';
import { SAMPLE_CONFIG, loadSampleConfig } from './sample.config.js';

/** Provides the sample's settings (`SAMPLE_CONFIG`), read once from the environment. */
@Module({
  providers: [{ provide: SAMPLE_CONFIG, useFactory: () => loadSampleConfig() }],
  exports: [SAMPLE_CONFIG],
})
export class ConfigModule {}
