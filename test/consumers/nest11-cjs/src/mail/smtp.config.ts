import { registerAs } from '@nestjs/config';

/** The SMTP server's settings; tests and local runs get any free port on loopback. */
export const smtpConfig = registerAs('smtp', () => ({
  host: process.env.SMTP_HOST ?? '127.0.0.1',
  port: Number(process.env.SMTP_PORT ?? 0),
  localDomain: process.env.SMTP_LOCAL_DOMAIN ?? 'example.test',
  blockedSenderDomains: (
    process.env.SMTP_BLOCKED_SENDER_DOMAINS ?? 'blocked.test'
  ).split(','),
}));
