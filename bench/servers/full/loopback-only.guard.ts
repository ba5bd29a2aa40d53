import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { FumiExecutionContext } from '../../../lib/index.js';
import { isAllowedClient } from '../mail-policy.js';

/** A typical access guard: reads the session through the SMTP execution context. */
@Injectable()
export class LoopbackOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return isAllowedClient(FumiExecutionContext.create(context).getSession().remoteAddress);
  }
}
