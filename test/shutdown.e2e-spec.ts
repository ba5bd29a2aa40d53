import { Injectable } from '@nestjs/common';
import { connect, type Socket } from 'node:net';
import { text } from 'node:stream/consumers';
import { Ctx, DataContext, OnData } from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { settledWithin } from './support/settled-within.js';

/** Far longer than any shutdown here should take: closing must not wait it out. */
const CLOSE_TIMEOUT = 20_000;
/** Well under smtp-server's own 5 s deadline for a client that does not close its side. */
const PROMPTLY = 2_500;

@Injectable()
class ReadsMessages {
  readonly bodies: string[] = [];
  @OnData() async store(@Ctx() ctx: DataContext) {
    this.bodies.push(await text(ctx.stream));
  }
}

/** A client that connects and then never reads: it does not notice the server closing. */
async function deafClient(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** A bare client that reads until told to stop listening. */
function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  let heard = '';
  const onData = (chunk: Buffer) => (heard += chunk.toString('latin1'));
  socket.on('data', onData);
  return {
    write: (data: string) => socket.write(data),
    /** Waits until what the server said matches `pattern`, and forgets what it said up to there. */
    async until(pattern: RegExp): Promise<void> {
      let match: RegExpExecArray | null;
      while (!(match = pattern.exec(heard))) await new Promise((resolve) => socket.once('data', resolve));
      heard = heard.slice(match.index + match[0].length);
    },
    /** Stops reading: neither a later reply nor the server's end reaches it. */
    deafen() {
      socket.off('data', onData);
      socket.pause();
    },
    destroy: () => socket.destroy(),
  };
}

describe('shutdown ends once the last session is gone', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('closes idle sessions at once with 421, whether or not their clients close their side', async () => {
    running = await startApp({}, { closeTimeout: CLOSE_TIMEOUT });
    const idle = await SmtpTestClient.connect(running.port);
    await idle.ehlo();
    const deaf = await deafClient(running.port);
    const deafClosed = new Promise((resolve) => deaf.once('close', resolve));

    const closing = running.close();
    running = undefined;
    expect((await idle.read()).code).toBe(421);
    expect(await settledWithin(closing.then(() => 'closed'), PROMPTLY, 'still closing')).toBe('closed');
    expect(await settledWithin(idle.closed.then(() => 'closed'), CLOSE_TIMEOUT / 2, 'still open')).toBe('closed');
    deaf.resume(); // now it reads what the server said, and sees the end
    await deafClosed;
  });

  it('lets a message still arriving finish even with no data handler (250, not 421)', async () => {
    running = await startApp({}, { closeTimeout: CLOSE_TIMEOUT });
    const sending = rawClient(running.port);
    await sending.until(/^220 .*\r\n/m);
    sending.write('EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n');
    await sending.until(/^354 .*\r\n/m);
    sending.write('Subject: in flight\r\n\r\nfirst half\r\n');

    const closing = running.close();
    running = undefined;
    expect(await settledWithin(closing.then(() => 'closed'), 300, 'waiting')).toBe('waiting');
    sending.write('second half\r\n.\r\n');
    await sending.until(/^250 .*\r\n/m);
    expect(await settledWithin(closing.then(() => 'closed'), PROMPTLY, 'still closing')).toBe('closed');
    sending.destroy();
  });

  it('lets a session in DATA finish its message, then ends without waiting for closeTimeout', async () => {
    running = await startApp({ providers: [ReadsMessages] }, { closeTimeout: CLOSE_TIMEOUT });
    const handlers = running.app.get(ReadsMessages);
    const busy = rawClient(running.port);
    await busy.until(/^220 .*\r\n/m);
    busy.write('EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n');
    await busy.until(/^354 .*\r\n/m);
    busy.write('Subject: in flight\r\n\r\nfirst half\r\n');

    const closing = running.close();
    running = undefined;
    expect(await settledWithin(closing.then(() => 'closed'), 300, 'waiting')).toBe('waiting');
    busy.write('second half\r\n.\r\n');
    await busy.until(/^250 .*\r\n/m);
    busy.deafen();
    expect(handlers.bodies).toEqual(['Subject: in flight\r\n\r\nfirst half\r\nsecond half\r\n']);
    expect(await settledWithin(closing.then(() => 'closed'), PROMPTLY, 'still closing')).toBe('closed');
    busy.destroy();
  });
});
