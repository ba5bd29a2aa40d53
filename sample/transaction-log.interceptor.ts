import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { catchError, type Observable, tap, throwError } from 'rxjs';
import { type DataContext, FumiExecutionContext, SmtpException } from '../lib/index.js';

/** One line per transaction: session, client, sender, recipients, size, result. */
@Injectable()
export class TransactionLogInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Mail');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ctx = FumiExecutionContext.create(context).getContext<DataContext>();
    const line = (result: string) => {
      const { session } = ctx;
      const { mailFrom, rcptTo } = session.envelope;
      return (
        `session=${session.id} client=${session.remoteAddress} from=<${mailFrom?.address ?? ''}> ` +
        `to=${rcptTo.map((r) => `<${r.address}>`).join(',')} size=${ctx.byteLength} result=${result}`
      );
    };
    return next.handle().pipe(
      tap(() => this.logger.log(line(ctx.sizeExceeded ? '552 too large' : '250 stored'))),
      catchError((error: unknown) => {
        const code = error instanceof SmtpException ? error.responseCode : 451;
        this.logger.warn(line(`${code} ${error instanceof Error ? error.message : 'failed'}`));
        return throwError(() => error);
      }),
    );
  }
}
