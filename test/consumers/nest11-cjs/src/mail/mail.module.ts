import { Module } from '@nestjs/common';
import { BlockedSenderGuard } from './blocked-sender.guard';
import { ConnectionLog } from './connection-log';
import { LocalRecipientPipe } from './local-recipient.pipe';
import { MailHandlers } from './mail.handlers';
import { MailStore } from './mail-store';
import { TransactionTagInterceptor } from './transaction-tag.interceptor';

@Module({
  providers: [
    MailStore,
    ConnectionLog,
    MailHandlers,
    BlockedSenderGuard,
    LocalRecipientPipe,
    TransactionTagInterceptor,
  ],
  exports: [MailStore],
})
export class MailModule {}
