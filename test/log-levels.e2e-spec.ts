import { Injectable, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { text } from 'node:stream/consumers';
import { Ctx, DataContext, FumiModule, FumiServer, OnData } from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { testServerOptions } from './support/app.js';
import { waitFor } from './support/wait-for.js';

/** Every line the app logs, with its level. */
class Recorder implements LoggerService {
  readonly lines: { level: string; text: string }[] = [];
  log = (message: unknown) => this.record('log', message);
  warn = (message: unknown) => this.record('warn', message);
  error = (message: unknown) => this.record('error', message);
  debug = (message: unknown) => this.record('debug', message);
  verbose = (message: unknown) => this.record('verbose', message);
  private record(level: string, message: unknown) {
    this.lines.push({ level, text: message instanceof Error ? message.message : String(message) });
  }
}

describe('log levels', () => {
  it.each([
    ['reading ctx.stream', (ctx: DataContext) => text(ctx.stream)],
    ['parsing in a worker pool', (ctx: DataContext) => ctx.parse({ pool: true })],
  ])('logs a client that drops the connection in the middle of DATA at WARN with its session id, never at ERROR (%s)', async (_name, read) => {
    let sessionId = '';
    @Injectable()
    class Reader {
      @OnData() async read(@Ctx() ctx: DataContext) {
        sessionId = ctx.session.id;
        await read(ctx);
      }
    }
    const logger = new Recorder();
    const moduleRef = await Test.createTestingModule({ imports: [FumiModule.forRoot(testServerOptions())], providers: [Reader] }).compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    const server = moduleRef.get(FumiServer);
    try {
      const client = await SmtpTestClient.connect(server.address().port);
      await client.ehlo();
      await client.send('MAIL FROM:<a@example.test>');
      await client.send('RCPT TO:<b@example.test>');
      await client.send('DATA');
      client.write('Subject: half\r\n\r\n' + 'z'.repeat(50_000));
      await waitFor(() => sessionId !== '');
      client.destroy();
      await waitFor(() => logger.lines.some((line) => line.text.includes(sessionId)));
      await waitFor(() => server.connections === 0);
    } finally {
      await moduleRef.close();
    }
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(logger.lines.filter((line) => line.text.includes(sessionId)).map((line) => line.level)).toEqual(['warn']);
  });
});
