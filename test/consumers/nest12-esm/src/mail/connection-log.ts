import { Injectable, Scope } from '@nestjs/common';
import { type FumiSession, InjectSmtpSession } from 'nestjs-fumi';

let created = 0;

/** Request-scoped: Nest builds one per SMTP connection, shared by all its phases. */
@Injectable({ scope: Scope.REQUEST })
export class ConnectionLog {
  readonly instance = ++created;
  private recipients: string[] = [];

  constructor(@InjectSmtpSession() readonly session: FumiSession) {}

  addRecipient(mailbox: string): void {
    this.recipients.push(mailbox);
  }

  /** The recipients of the transaction now ending; the next one starts with none. */
  takeRecipients(): string[] {
    const taken = this.recipients;
    this.recipients = [];
    return taken;
  }
}
