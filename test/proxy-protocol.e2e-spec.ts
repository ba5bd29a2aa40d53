import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, type Socket } from 'node:net';
import { text } from 'node:stream/consumers';
import { setTimeout } from 'node:timers/promises';
import { Ctx, type ConnectContext, DataContext, FumiModule, OnConnect, OnData, type FumiModuleOptions } from '../lib/index.js';
import { createTestCertificate, SmtpTestClient } from '../lib/testing/index.js';
import { startApp, testServerOptions, type RunningApp } from './support/app.js';
import { startHaproxy, type TestHaproxy } from './support/haproxy.js';
import { proxyV2Header } from './support/proxy-v2.js';
import { waitFor } from './support/wait-for.js';

interface Seen {
  /** The instance's own port: which instance the connection reached. */
  instance: number;
  remoteAddress: string;
  remotePort: number;
}

const seen: Seen[] = [];
const receivedHeaders: string[] = [];

@Injectable()
class Recorder {
  @OnConnect() connect(@Ctx() ctx: ConnectContext) {
    const { localPort, remoteAddress, remotePort } = ctx.session;
    seen.push({ instance: localPort, remoteAddress, remotePort });
  }

  @OnData() async data(@Ctx() ctx: DataContext) {
    await ctx.received();
    receivedHeaders.push(ctx.receivedHeader());
  }
}

/** The next reply line a raw socket receives (the socket stays open). */
function nextLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString();
      if (!received.includes('\r\n')) return;
      socket.off('data', onData).off('error', reject);
      resolve(received);
    };
    socket.on('data', onData).once('error', reject);
  });
}

const behindProxy = (proxyProtocol: FumiModuleOptions['proxyProtocol']): FumiModuleOptions => ({ proxyProtocol });
const message = { from: 'a@client.test', to: 'b@example.test', body: 'Subject: hi\r\n\r\nhello\r\n' };

describe('PROXY protocol', () => {
  let running: RunningApp[] = [];
  let haproxy: TestHaproxy | undefined;
  beforeEach(() => {
    seen.length = 0;
    receivedHeaders.length = 0;
  });
  afterEach(async () => {
    await haproxy?.stop();
    haproxy = undefined;
    await Promise.all(running.map((r) => r.close()));
    running = [];
  });
  const start = async (options: FumiModuleOptions) => {
    const app = await startApp({ providers: [Recorder] }, options);
    running.push(app);
    return app;
  };

  describe.each([
    ['send-proxy', 'v1'],
    ['send-proxy-v2', 'v2'],
  ] as const)('behind HAProxy (%s)', (proxy, version) => {
    it('gives each of two instances the real client address and port', async () => {
      const a = await start(behindProxy({ trustedProxies: ['127.0.0.1'], version }));
      const b = await start(behindProxy({ trustedProxies: ['127.0.0.1'], version }));
      haproxy = await startHaproxy({ backends: [a.port, b.port], proxy });

      const clientPorts: (number | undefined)[] = [];
      for (let i = 0; i < 4; i++) {
        // the client's own address is not HAProxy's (127.0.0.1), so a mix-up would show
        const client = await SmtpTestClient.connect(haproxy.port, { localAddress: '127.0.0.5' });
        clientPorts.push(client.localPort);
        expect(client.greeting.code).toBe(220);
        expect((await client.sendMail(message)).data?.code).toBe(250);
        await client.quit();
      }

      expect(seen.map((s) => s.remoteAddress)).toEqual(Array(4).fill('127.0.0.5'));
      expect(seen.map((s) => s.remotePort)).toEqual(clientPorts);
      // round robin: both instances served, two connections each
      expect(seen.filter((s) => s.instance === a.port)).toHaveLength(2);
      expect(seen.filter((s) => s.instance === b.port)).toHaveLength(2);
      for (const header of receivedHeaders) expect(header).toContain('[127.0.0.5]');
    });
  });

  it('works with implicit TLS passed through the balancer', async () => {
    const { key, cert } = await createTestCertificate({ hostnames: ['mail.example.test'] });
    const app = await start({ secure: true, key, cert, proxyProtocol: { trustedProxies: ['127.0.0.1'] } });
    haproxy = await startHaproxy({ backends: [app.port], proxy: 'send-proxy-v2' });
    const client = await SmtpTestClient.connect(haproxy.port, {
      localAddress: '127.0.0.6',
      tls: { ca: cert, servername: 'mail.example.test', rejectUnauthorized: true },
    });
    expect((await client.sendMail(message)).data?.code).toBe(250);
    await client.quit();
    expect(seen[0]?.remoteAddress).toBe('127.0.0.6');
    expect(receivedHeaders[0]).toMatch(/with ESMTPS/);
  });

  describe('a trusted proxy', () => {
    const trusted = behindProxy({ trustedProxies: ['127.0.0.0/30'] });

    it('may state an IPv6 client in a v2 header', async () => {
      const app = await start(trusted);
      const preamble = proxyV2Header({ source: ['2001:db8::7', 4242], destination: ['2001:db8::1', 25] });
      const client = await SmtpTestClient.connect(app.port, { preamble });
      expect((await client.sendMail(message)).data?.code).toBe(250);
      await client.quit();
      expect(seen).toEqual([{ instance: app.port, remoteAddress: '2001:db8::7', remotePort: 4242 }]);
      expect(receivedHeaders[0]).toContain('[IPv6:2001:db8::7]');
    });

    it('keeps its own address for LOCAL (its health checks) and PROXY UNKNOWN', async () => {
      const app = await start(trusted);
      for (const preamble of [proxyV2Header({ command: 'local' }), 'PROXY UNKNOWN\r\n']) {
        const client = await SmtpTestClient.connect(app.port, { preamble });
        expect(client.greeting.code).toBe(220);
        await client.quit();
      }
      expect(seen.map((s) => s.remoteAddress)).toEqual(['127.0.0.1', '127.0.0.1']);
    });

    it('reads a header that arrives in pieces', async () => {
      const app = await start(trusted);
      const header = proxyV2Header({ source: ['198.51.100.20', 1025], destination: ['192.0.2.1', 25] });
      const socket = connect({ host: '127.0.0.1', port: app.port });
      for (const byte of header) {
        socket.write(Buffer.from([byte]));
        await setTimeout(1);
      }
      expect(await nextLine(socket)).toMatch(/^220 /);
      socket.write('QUIT\r\n');
      expect(await nextLine(socket)).toMatch(/^221 /);
      socket.destroy();
      expect(seen[0]).toMatchObject({ remoteAddress: '198.51.100.20', remotePort: 1025 });
    });

    it('passes on what follows the header as SMTP', async () => {
      const app = await start(trusted);
      const header = proxyV2Header({ source: ['198.51.100.20', 1025], destination: ['192.0.2.1', 25] });
      const socket = connect({ host: '127.0.0.1', port: app.port });
      socket.write(Buffer.concat([header, Buffer.from('QUIT\r\n')]));
      // the QUIT reached smtp-server as SMTP: it answers a client that talks before the greeting with
      // 421 (or, had this machine stalled past the 100 ms greeting delay, greets and says goodbye)
      expect(await text(socket)).toMatch(/^421 .*talk too soon|^220 [^]*\r\n221 /);
    });

    it.each<[string, FumiModuleOptions['proxyProtocol'], string | Buffer]>([
      ['no header at all', { trustedProxies: ['127.0.0.1'] }, 'EHLO sneaky.test\r\n'],
      ['a broken v2 header', { trustedProxies: ['127.0.0.1'] }, proxyV2Header({ versionCommand: 0x2f })],
      ['a v2 header when only v1 is accepted', { trustedProxies: ['127.0.0.1'], version: 'v1' }, proxyV2Header({ command: 'local' })],
      ['a v1 header when only v2 is accepted', { trustedProxies: ['127.0.0.1'], version: 'v2' }, 'PROXY UNKNOWN\r\n'],
    ])('is cut off when it sends %s', async (_name, proxyProtocol, preamble) => {
      const app = await start(behindProxy(proxyProtocol));
      await expect(SmtpTestClient.connect(app.port, { preamble, timeout: 3_000 })).rejects.toThrow();
      expect(seen).toEqual([]);
    });
  });

  describe('an untrusted peer', () => {
    it('cannot choose its address: a header it sends is not read as one', async () => {
      const app = await start(behindProxy({ trustedProxies: ['10.0.0.0/8', '2001:db8::/32'] }));
      const forged = 'PROXY TCP4 6.6.6.6 127.0.0.1 1234 25\r\n';
      const client = await SmtpTestClient.connect(app.port, { preamble: forged });
      // smtp-server reads it as SMTP from a client talking before the greeting: 421 (or, had this
      // machine stalled past the 100 ms greeting delay, as an unknown command)
      if (client.greeting.code === 220) expect((await client.read()).code).toBeGreaterThanOrEqual(500);
      else expect(client.greeting.code).toBe(421);
      await client.quit();
      expect(seen.map((s) => s.remoteAddress)).not.toContain('6.6.6.6');
    });

    it('connects as a plain client with its own address', async () => {
      const app = await start(behindProxy({ trustedProxies: ['10.0.0.0/8'] }));
      const client = await SmtpTestClient.connect(app.port, { localAddress: '127.0.0.7' });
      expect((await client.sendMail(message)).data?.code).toBe(250);
      await client.quit();
      await waitFor(() => seen.length === 1);
      expect(seen[0]?.remoteAddress).toBe('127.0.0.7');
    });
  });

  describe('options', () => {
    const boot = async (options: Record<string, unknown>) => {
      const moduleRef = await Test.createTestingModule({
        imports: [FumiModule.forRoot(testServerOptions(options as FumiModuleOptions))],
      }).compile();
      await moduleRef.close();
    };

    it.each<[Record<string, unknown>, RegExp]>([
      [{ proxyProtocol: true }, /"proxyProtocol".*trustedProxies/],
      [{ proxyProtocol: { version: 'v2' } }, /"proxyProtocol\.trustedProxies".*at least one/],
      [{ proxyProtocol: { trustedProxies: [] } }, /"proxyProtocol\.trustedProxies"/],
      [{ proxyProtocol: { trustedProxies: ['10.0.0.0/33'] } }, /"proxyProtocol\.trustedProxies".*10\.0\.0\.0\/33/],
      [{ proxyProtocol: { trustedProxies: ['10.0.0.1'], version: 'v3' } }, /"proxyProtocol\.version".*'v1', 'v2', 'any'/],
      [{ proxyProtocol: { trustedProxies: ['10.0.0.1'], trusted: [] } }, /"proxyProtocol".*unknown key "trusted"/],
      [{ proxyProtocol: { trustedProxies: ['10.0.0.1'] }, useProxy: true }, /"useProxy".*proxyProtocol/],
    ])('fails at bootstrap on %j, naming the option', async (options, error) => {
      await expect(boot(options)).rejects.toThrow(error);
    });
  });
});
