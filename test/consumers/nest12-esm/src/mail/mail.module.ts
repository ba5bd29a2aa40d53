import { Module } from '@nestjs/common';
import { BlockedSenderGuard } from './blocked-sender.guard.js';
import { ConnectionLog } from './connection-log.js';
import { LocalRecipientPipe } from './local-recipient.pipe.js';
import { MailHandlers } from './mail.handlers.js';
import { MailStore } from './mail-store.js';
import { TransactionTagInterceptor } from './transaction-tag.interceptor.js';

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
