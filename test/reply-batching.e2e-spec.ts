import { Injectable } from '@nestjs/common';
import type { Socket } from 'node:net';
import { Ctx, DataContext, OnData, OnRcptTo, RcptToContext } from '../lib/index.js';
import { createTestCertificate, SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { MAIL_HOST, verifying } from './support/tls.js';

/**
 * RFC 2920 section 3.1: the replies to a group of pipelined commands go out as one unit, in one
 * write to the socket (a system call each, and the dearest step of a pipelined transaction).
 */
describe('replies to pipelined commands', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  @Injectable()
  class Inbox {
    @OnRcptTo() rcptTo(@Ctx() ctx: RcptToContext) {
      if (ctx.address.address.startsWith('nobody')) ctx.reject('No such user', 550);
    }

    @OnData() async data(@Ctx() ctx: DataContext) {
      for await (const _chunk of ctx.stream);
    }
  }

  /** Counts the writes the server makes to the socket of its (only) connection. */
  function countWrites(app: RunningApp): () => number {
    const [connection] = app.server.unwrap().connections;
    const socket = (connection as unknown as { _socket: Socket })._socket;
    let writes = 0;
    const { _write: write, _writev: writev } = socket;
    socket._write = function (this: Socket, ...args: Parameters<Socket['_write']>) {
      writes++;
      return write.apply(this, args);
    };
    socket._writev = function (this: Socket, ...args: Parameters<NonNullable<Socket['_writev']>>) {
      writes++;
      return writev!.apply(this, args);
    };
    return () => writes;
  }

  it('answers a group in one write, each reply in order, QUIT included', async () => {
    running = await startApp({ providers: [Inbox] });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    const writes = countWrites(running);
    client.write('MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n');
    const group = [await client.read(), await client.read(), await client.read(), await client.read()];
    expect(group.map((reply) => reply.code)).toEqual([250, 250, 550, 354]);
    expect(writes()).toBe(1);
    client.write('Subject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n');
    expect((await client.read()).code).toBe(250);
    expect((await client.read()).code).toBe(221);
    expect(writes()).toBe(2);
  });

  it('holds no reply back: a client that waits for each reply gets it', async () => {
    running = await startApp({ providers: [Inbox] });
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    const writes = countWrites(running);
    expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
    expect((await client.send('RCPT TO:<b@example.test>')).code).toBe(250);
    expect((await client.send('NOOP')).code).toBe(250);
    expect(writes()).toBe(3);
    await client.quit();
  });

  it('lets a client pipeline STARTTLS behind EHLO and upgrade', async () => {
    const certificate = await createTestCertificate({ hostnames: [MAIL_HOST] });
    running = await startApp({ providers: [Inbox] }, { key: certificate.key, cert: certificate.cert });
    const client = await SmtpTestClient.connect(running.port);
    client.write('EHLO client.test\r\nSTARTTLS\r\n');
    expect((await client.read()).code).toBe(250);
    expect((await client.read()).code).toBe(220);
    await client.upgradeTls(verifying(certificate));
    expect((await client.ehlo()).code).toBe(250);
    expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
    await client.quit();
  });
});
