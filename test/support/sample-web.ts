import type { INestApplication, LoggerService } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { FumiServer } from '../../lib/index.js';
import { createSampleApp, listenSampleApp } from '../../sample/sample.app.js';

/** The sample as `npm start` runs it (HTTP app + SMTP server), on free ports with its own Maildir. */
export interface RunningSample {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` of the web inbox and its API. */
  url: string;
  smtpPort: number;
  maildir: string;
  close(): Promise<void>;
}

/** `logs`: where the app's log lines go, as `[context] message`; none are kept without it. */
export async function startSampleWeb(env: Record<string, string> = {}, options: { logs?: string[] } = {}): Promise<RunningSample> {
  const maildir = await mkdtemp(join(tmpdir(), 'fumi-web-'));
  const saved = { ...process.env };
  Object.assign(process.env, {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MAILDIR: maildir,
    ...env,
  });
  let app: INestApplication;
  try {
    const logs = options.logs;
    // warnings and errors end in ` (warn)` / ` (error)`
    const capture = (suffix: string) => (message: unknown, context?: unknown) =>
      void logs?.push(`[${String(context)}] ${message instanceof Error ? message.message : String(message)}${suffix}`);
    const logger: LoggerService | false | ['log', 'warn', 'error'] = logs
      ? { log: capture(''), warn: capture(' (warn)'), error: capture(' (error)') }
      : process.env.FUMI_TEST_LOGS
        ? ['log', 'warn', 'error']
        : false;
    app = await createSampleApp({ logger, abortOnError: false });
  } finally {
    process.env = saved;
  }
  await listenSampleApp(app);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    smtpPort: app.get(FumiServer).address().port,
    maildir,
    close: async () => {
      await app.close();
      await rm(maildir, { recursive: true, force: true });
    },
  };
}

/** Sends one message to the sample's SMTP server with nodemailer (plain text, no STARTTLS). */
export async function send(sample: RunningSample, message: SendMailOptions): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sample.smtpPort, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail(message);
  } finally {
    transport.close();
  }
}
