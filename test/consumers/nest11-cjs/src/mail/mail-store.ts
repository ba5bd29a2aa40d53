import { Injectable } from '@nestjs/common';
import type { SmtpPhase } from 'nestjs-fumi';

export interface StoredMail {
  /** The `ConnectionLog` instance of the connection that sent it. */
  connection: number;
  /** Set by `TransactionTagInterceptor`: session id and transaction number. */
  tag: string;
  sender: string;
  /** As `LocalRecipientPipe` made them. */
  recipients: string[];
  subject?: string;
  text?: string;
}

export interface HandlerCall {
  session: string;
  phase: SmtpPhase;
  /** The `ConnectionLog` instance the handler was given. */
  instance: number;
}

/** What the handlers received, kept in memory for the tests to read. */
@Injectable()
export class MailStore {
  readonly messages: StoredMail[] = [];
  readonly calls: HandlerCall[] = [];
  /** Tags of the messages whose handler finished, as the interceptor saw them. */
  readonly completed: string[] = [];
}
