import { Module } from '@nestjs/common';
import { ConfigModule } from '../config.module.js';
import { FileLimiter } from './file-limiter.js';
import { InboxChanges } from './inbox-changes.js';
import { InboxEventsController } from './inbox-events.controller.js';
import { InboxController } from './inbox.controller.js';
import { MaildirReader } from './maildir.reader.js';
import { MessageIndex } from './message-index.js';
import { InboxParserPool } from './inbox-parser.pool.js';
import { MessageOpener } from './message-opener.js';

/** The web inbox's API over the Maildir; exports `InboxChanges` for the store to report to. */
@Module({
  imports: [ConfigModule],
  controllers: [InboxController, InboxEventsController],
  providers: [InboxChanges, FileLimiter, MessageIndex, MaildirReader, InboxParserPool, MessageOpener],
  exports: [InboxChanges],
})
export class InboxModule {}
