import { Injectable } from '@nestjs/common';
import { FUMI_HANDLER_METADATA } from '../fumi.constants.js';
import type { FumiHandlerMetadata } from '../decorators/fumi-handler-options.interface.js';

/** Reads what the phase decorators recorded. */
@Injectable()
export class FumiMetadataAccessor {
  handlerMetadata(prototype: object, methodName: string): readonly FumiHandlerMetadata[] {
    const method = (prototype as Record<string, unknown>)[methodName];
    if (typeof method !== 'function') return [];
    return Reflect.getMetadata(FUMI_HANDLER_METADATA, method) ?? [];
  }
}
