import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { MessageParserPool } from '../../lib/index.js';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample.config.js';

/** The inbox's parser threads: messages are opened off the event loop SMTP sessions share. */
@Injectable()
export class InboxParserPool extends MessageParserPool implements OnModuleDestroy {
  constructor(@Inject(SAMPLE_CONFIG) config: SampleConfig) {
    const { workers, queue } = config.inboxParsing;
    super({ queue, ...(workers ? { workers } : {}) });
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }
}
