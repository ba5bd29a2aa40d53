import { Module } from '@nestjs/common';
import { FumiModule } from '../../../lib/index.js';
import { fumiBenchOptions } from '../fumi-bench-options.js';
import { ConnectionLedger } from './connection-ledger.service.js';
import { DeliveryHandlers } from './delivery-handlers.js';
import { LoopbackOnlyGuard } from './loopback-only.guard.js';
import { PhaseCountingInterceptor } from './phase-counting.interceptor.js';
import { PhaseStatistics } from './phase-statistics.service.js';
import { PolicyHandlers } from './policy-handlers.js';
import { SmtpContextPipe } from './smtp-context.pipe.js';
import { TimingHandlers } from './timing-handlers.js';

/**
 * Variant (3): every phase runs a chain of three handlers, each behind a guard, an interceptor
 * and a parameter pipe, in classes that depend on a request-scoped service.
 */
@Module({
  imports: [FumiModule.forRoot(fumiBenchOptions)],
  providers: [
    PhaseStatistics,
    LoopbackOnlyGuard,
    PhaseCountingInterceptor,
    SmtpContextPipe,
    ConnectionLedger,
    TimingHandlers,
    PolicyHandlers,
    DeliveryHandlers,
  ],
})
export class FullAppModule {}
