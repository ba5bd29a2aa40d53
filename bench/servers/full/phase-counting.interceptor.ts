import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { type Observable, tap } from 'rxjs';
import { FumiExecutionContext } from '../../../lib/index.js';
import { PhaseStatistics } from './phase-statistics.service.js';

/** A typical metrics interceptor: counts each handler that completes, per phase (rxjs `tap`). */
@Injectable()
export class PhaseCountingInterceptor implements NestInterceptor {
  constructor(private readonly statistics: PhaseStatistics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const phase = FumiExecutionContext.create(context).getPhase();
    return next.handle().pipe(tap({ complete: () => this.statistics.phaseCompleted(phase) }));
  }
}
