import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { FumiContextCreator } from './execution/fumi-context.creator.js';
import { FumiEvents } from './server/fumi-events.js';
import { FumiExplorer } from './discovery/fumi.explorer.js';
import { FumiHandlerRegistry } from './discovery/fumi-handler.registry.js';
import { FumiMetadataAccessor } from './discovery/fumi-metadata.accessor.js';

/**
 * What all servers of an app share: one explorer, so that handlers are discovered once however
 * many `FumiModule.forRoot()` the app imports.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [FumiMetadataAccessor, FumiContextCreator, FumiHandlerRegistry, FumiExplorer, FumiEvents],
  exports: [FumiHandlerRegistry, FumiEvents],
})
export class FumiCoreModule {}
