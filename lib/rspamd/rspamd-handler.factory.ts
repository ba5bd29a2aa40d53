import type { Type } from '@nestjs/common';
import type { DataContext } from '../context/data.context.js';
import { OnData } from '../decorators/on-data.decorator.js';
import { Ctx } from '../decorators/params.decorator.js';
import { FumiRspamdScanner } from './fumi-rspamd.scanner.js';

/**
 * A class of its own per `forRoot()`, whose `scan` is the `@OnData()` handler of one server at one
 * priority: the phase decorators record on the method, so a shared class would carry the
 * server and priority of every `forRoot()` at once.
 */
export function rspamdHandlerFor(server: string, priority: number): Type<FumiRspamdScanner> {
  class FumiRspamdHandler extends FumiRspamdScanner {
    override scan(ctx: DataContext<object, unknown>): Promise<void> {
      return super.scan(ctx);
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(FumiRspamdHandler.prototype, 'scan')!;
  OnData({ server, priority })(FumiRspamdHandler.prototype, 'scan', descriptor);
  Ctx()(FumiRspamdHandler.prototype, 'scan', 0);
  return FumiRspamdHandler;
}
