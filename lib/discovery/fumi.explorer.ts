import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { FumiContextCreator } from '../execution/fumi-context.creator.js';
import { FumiHandlerRegistry } from './fumi-handler.registry.js';
import { FumiMetadataAccessor } from './fumi-metadata.accessor.js';
import { MESSAGES } from '../fumi.messages.js';
import type { FumiHandlerMetadata } from '../decorators/fumi-handler-options.interface.js';

/** Finds `@On*()` methods on every provider and registers them, once each. */
@Injectable()
export class FumiExplorer implements OnModuleInit {
  private readonly logger = new Logger('FumiExplorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: FumiMetadataAccessor,
    private readonly contextCreator: FumiContextCreator,
    private readonly registry: FumiHandlerRegistry,
  ) {}

  onModuleInit(): void {
    const seenInstances = new Set<object>();
    const seenClasses = new Set<unknown>();
    for (const wrapper of this.discovery.getProviders()) {
      if (!this.isCandidate(wrapper)) continue;
      const handlers = this.handlersOf(wrapper);
      if (!handlers.length) continue;
      // `useExisting` aliases and a class listed in two modules would otherwise bind twice.
      const instance = wrapper.instance as object | undefined;
      if (instance && seenInstances.has(instance)) continue;
      if (seenClasses.has(wrapper.metatype)) {
        this.logger.warn(MESSAGES.duplicateProvider((wrapper.metatype as { name: string }).name));
        continue;
      }
      if (instance) seenInstances.add(instance);
      seenClasses.add(wrapper.metatype);
      for (const { methodName, entry } of handlers) {
        this.registry.add(this.contextCreator.create(wrapper, methodName, entry));
      }
    }
  }

  private isCandidate(wrapper: InstanceWrapper): boolean {
    // Factory and value providers have no class to read decorators from.
    if (wrapper.isAlias || wrapper.isNotMetatype) return false;
    const scoped = !wrapper.isDependencyTreeStatic() || wrapper.isTransient;
    return scoped || !!wrapper.instance;
  }

  private handlersOf(wrapper: InstanceWrapper): { methodName: string; entry: FumiHandlerMetadata }[] {
    const prototype = (wrapper.metatype as { prototype: object }).prototype;
    return this.scanner
      .getAllMethodNames(prototype)
      .flatMap((methodName) => this.metadata.handlerMetadata(prototype, methodName).map((entry) => ({ methodName, entry })));
  }
}
