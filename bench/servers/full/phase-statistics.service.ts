import { Injectable } from '@nestjs/common';
import type { SmtpPhase } from '../../../lib/index.js';

/** Application-wide counters fed by the interceptor: a singleton the pipeline writes to. */
@Injectable()
export class PhaseStatistics {
  private readonly completed = new Map<SmtpPhase, number>();

  phaseCompleted(phase: SmtpPhase): void {
    this.completed.set(phase, (this.completed.get(phase) ?? 0) + 1);
  }
}
