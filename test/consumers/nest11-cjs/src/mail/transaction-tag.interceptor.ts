import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { FumiExecutionContext } from 'nestjs-fumi';
import { type Observable, tap } from 'rxjs';
import { MailStore } from './mail-store';

/** What the handlers keep in `session.state`. */
export type MailState = { tag?: string };

/** Tags the transaction before its handler runs, and records the tag once the handler has finished. */
@Injectable()
export class TransactionTagInterceptor implements NestInterceptor {
  constructor(private readonly store: MailStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const session =
      FumiExecutionContext.create(context).getSession<MailState>();
    const tag = `${session.id}#${session.transaction}`;
    session.state.tag = tag;
    return next.handle().pipe(tap(() => this.store.completed.push(tag)));
  }
}
