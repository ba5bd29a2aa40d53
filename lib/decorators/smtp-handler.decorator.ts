import { DEFAULT_SERVER_NAME, FUMI_HANDLER_METADATA } from '../fumi.constants.js';
import type { FumiHandlerMetadata, FumiHandlerOptions } from './fumi-handler-options.interface.js';
import type { SmtpPhase } from '../context/smtp-phase.js';

/**
 * Marks a method as a handler of one phase. The phase decorators (`@OnConnect()`, ...) are this
 * with the phase filled in; a method may carry several of them.
 */
export function SmtpHandler(phase: SmtpPhase, options: FumiHandlerOptions = {}): MethodDecorator {
  const priority = options.priority ?? 0;
  if (!Number.isFinite(priority)) {
    throw new TypeError(`@${phase} handler option "priority" must be a finite number, got ${String(priority)}`);
  }
  const entry: FumiHandlerMetadata = { phase, server: options.server ?? DEFAULT_SERVER_NAME, priority };
  return (_target, _key, descriptor) => {
    const existing: FumiHandlerMetadata[] = Reflect.getMetadata(FUMI_HANDLER_METADATA, descriptor.value as object) ?? [];
    Reflect.defineMetadata(FUMI_HANDLER_METADATA, [...existing, entry], descriptor.value as object);
    return descriptor;
  };
}
