import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AuthContext,
  Ctx,
  DataContext,
  MailFromContext,
  OnAuth,
  OnData,
  OnMailFrom,
  OnRcptTo,
  RcptToContext,
} from '../lib/index.js';
import { MaildirStore } from './maildir.store.js';
import { SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';
import { timingSafeEqual } from 'node:crypto';

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

function samePassword(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An inbound MX for local domains that also takes submissions from its users. */
@Injectable()
export class MailHandlers {
  private readonly logger = new Logger('Mail');

  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly maildir: MaildirStore,
  ) {}

  @OnAuth()
  login(@Ctx() ctx: AuthContext<Record<string, unknown>, string>) {
    const { username, password } = ctx.credentials;
    const expected = this.config.users.get(username);
    if (expected === undefined || !samePassword(password, expected)) ctx.reject('Authentication failed', 535, '5.7.8');
    ctx.accept(username);
  }

  @OnMailFrom()
  checkSender(@Ctx() ctx: MailFromContext) {
    if (this.config.blockedSenderDomains.has(domainOf(ctx.address.address))) {
      ctx.reject('Sender domain blocked', 550, '5.7.1');
    }
  }

  @OnRcptTo()
  checkRecipient(@Ctx() ctx: RcptToContext) {
    const local = this.config.domains.has(domainOf(ctx.address.address));
    if (!local && ctx.session.user === undefined) ctx.reject('Relay access denied', 550, '5.7.1');
  }

  @OnData()
  async store(@Ctx() ctx: DataContext) {
    const { session } = ctx;
    const recipients = session.envelope.rcptTo.map((r) => r.address);
    const local = recipients.filter((r) => this.config.domains.has(domainOf(r))).map((r) => r.toLowerCase());
    const mailboxes = [...new Set(local), ...(local.length < recipients.length ? ['outbound'] : [])];
    const header =
      `Received: from ${session.clientHostname ?? 'unknown'} ([${session.remoteAddress}])\r\n` +
      `\tby ${ctx.session.server.name} with ${session.transmissionType} id ${session.id};\r\n` +
      `\t${new Date().toUTCString().replace('GMT', '+0000')}\r\n`;
    const spooled = await this.maildir.spool(header, ctx.stream);
    const line =
      `session=${session.id} client=${session.remoteAddress} from=<${session.envelope.mailFrom?.address ?? ''}> ` +
      `to=${recipients.map((r) => `<${r}>`).join(',')} size=${ctx.byteLength}`;
    if (ctx.sizeExceeded) {
      // the module answers 552 whatever we do; what matters is that nothing is kept
      await spooled.discard();
      this.logger.log(`${line} result=552 too large`);
      return;
    }
    await spooled.commit(mailboxes);
    this.logger.log(`${line} result=250 stored=${spooled.name}`);
  }
}
