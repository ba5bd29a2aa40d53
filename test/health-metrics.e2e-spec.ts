import { Controller, Get, Injectable, Res, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { text } from 'node:stream/consumers';
import { Ctx, DataContext, FumiModule, FumiServer, getFumiServerToken, OnData, OnRcptTo, RcptToContext, type FumiModuleOptions } from '../lib/index.js';
import { FumiHealthIndicator, FumiHealthModule } from '../lib/health/index.js';
import { FumiMetrics, FumiMetricsModule, type FumiMetricsModuleOptions } from '../lib/metrics/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { testServerOptions } from './support/app.js';
import { waitFor } from './support/wait-for.js';

/** What an application's ops controller looks like: terminus health and a Prometheus scrape endpoint. */
@Controller()
class OpsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly smtp: FumiHealthIndicator,
    private readonly metrics: FumiMetrics,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.smtp.isHealthy('smtp')]);
  }

  @Get('health/mx')
  @HealthCheck()
  checkMx() {
    return this.health.check([() => this.smtp.isHealthy('mx', { servers: ['mx'] })]);
  }

  @Get('metrics')
  async scrape(@Res({ passthrough: true }) res: { setHeader(name: string, value: string): unknown }) {
    res.setHeader('Content-Type', this.metrics.contentType);
    return this.metrics.metrics();
  }
}

@Injectable()
class Handlers {
  @OnRcptTo({ server: 'default' }) rcpt(@Ctx() ctx: RcptToContext) {
    if (ctx.address.address.startsWith('nobody')) ctx.reject('No such user', 550, '5.1.1');
  }
  @OnData({ server: 'default' }) async data(@Ctx() ctx: DataContext) {
    await text(ctx.stream);
  }
}

interface OpsApp {
  app: INestApplication;
  url: string;
  smtpPort(name?: string): number;
  server(name?: string): FumiServer;
}

/** A tiny HTTP (platform-express) + SMTP app on free ports. */
async function startOpsApp(smtp: FumiModuleOptions = {}, metrics: FumiMetricsModuleOptions = {}): Promise<OpsApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      FumiModule.forRoot(testServerOptions(smtp)),
      FumiModule.forRoot({ ...testServerOptions(), name: 'mx' }),
      TerminusModule.forRoot({ logger: false }),
      FumiHealthModule,
      FumiMetricsModule.forRoot(metrics),
    ],
    controllers: [OpsController],
    providers: [Handlers],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const server = (name?: string) => app.get<FumiServer>(getFumiServerToken(name));
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1'), server, smtpPort: (name) => server(name).address().port };
}

const getJson = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('health and metrics over HTTP', () => {
  let ops: OpsApp | undefined;
  afterEach(async () => {
    await ops?.app.close();
    ops = undefined;
  });

  describe('FumiHealthIndicator', () => {
    it('is up while every server listens, with each one’s state', async () => {
      ops = await startOpsApp({ maxClients: 5 });
      const client = await SmtpTestClient.connect(ops.smtpPort());
      const { status, body } = await getJson(`${ops.url}/health`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        status: 'ok',
        info: {
          smtp: {
            status: 'up',
            servers: {
              default: { listening: true, connections: 1, maxClients: 5, ready: true },
              mx: { listening: true, connections: 0, ready: true },
            },
          },
        },
      });
      await client.quit();
    });

    it('is down (503) while a server is full, so the balancer sends clients elsewhere', async () => {
      ops = await startOpsApp({ maxClients: 1 });
      const client = await SmtpTestClient.connect(ops.smtpPort());
      const { status, body } = await getJson(`${ops.url}/health`);
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 'error', error: { smtp: { status: 'down', servers: { default: { connections: 1, ready: false } } } } });
      await client.quit();
      await waitFor(() => ops!.server().connections === 0);
      expect((await getJson(`${ops.url}/health`)).status).toBe(200);
    });

    it('is down once a server has started shutting down', async () => {
      ops = await startOpsApp();
      await ops.server().close();
      const { status, body } = await getJson(`${ops.url}/health`);
      expect(status).toBe(503);
      expect(body).toMatchObject({ error: { smtp: { servers: { default: { listening: false, ready: false } } } } });
      // a check of the other server alone still passes
      expect((await getJson(`${ops.url}/health/mx`)).body).toMatchObject({ status: 'ok', info: { mx: { servers: { mx: { ready: true } } } } });
    });
  });

  describe('FumiMetrics', () => {
    const scrape = async (url: string) => {
      const response = await fetch(`${url}/metrics`);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      return response.text();
    };

    it('counts connections, commands by phase and reply code, sizes and handler latency', async () => {
      ops = await startOpsApp();
      const client = await SmtpTestClient.connect(ops.smtpPort());
      const body = 'Subject: m\r\n\r\nhello\r\n';
      await client.sendMail({ from: 'a@x.test', to: ['nobody@x.test', 'b@x.test'], body });
      const mx = await SmtpTestClient.connect(ops.smtpPort('mx'));

      const metrics = await scrape(ops.url);
      expect(metrics).toContain('fumi_connections{server="default"} 1');
      expect(metrics).toContain('fumi_connections{server="mx"} 1');
      expect(metrics).toContain('fumi_server_listening{server="default"} 1');
      expect(metrics).toContain('fumi_connections_total{server="default"} 1');
      expect(metrics).toContain('fumi_commands_total{server="default",phase="connect",code="220"} 1');
      expect(metrics).toContain('fumi_commands_total{server="default",phase="mailFrom",code="250"} 1');
      expect(metrics).toContain('fumi_commands_total{server="default",phase="rcptTo",code="550"} 1');
      expect(metrics).toContain('fumi_commands_total{server="default",phase="rcptTo",code="250"} 1');
      expect(metrics).toContain('fumi_commands_total{server="default",phase="data",code="250"} 1');
      expect(metrics).toContain('fumi_message_size_bytes_count{server="default"} 1');
      expect(metrics).toContain(`fumi_message_size_bytes_sum{server="default"} ${Buffer.byteLength(body)}`);
      expect(metrics).toContain('fumi_message_size_bytes_bucket{le="1024",server="default"} 1');
      expect(metrics).toContain('fumi_handler_duration_seconds_count{server="default",phase="data"} 1');
      expect(metrics).toMatch(/# TYPE fumi_handler_duration_seconds histogram/);

      await client.quit();
      await mx.quit();
      await waitFor(async () => (await scrape(ops!.url)).includes('fumi_connections{server="default"} 0'));
    });

    it('uses the registry and prefix it is given, and leaves the registry reusable after shutdown', async () => {
      const registry = new Registry();
      for (let round = 0; round < 2; round++) {
        ops = await startOpsApp({}, { registry, prefix: 'smtp_' });
        const client = await SmtpTestClient.connect(ops.smtpPort());
        await client.quit();
        const metrics = await registry.metrics();
        expect(metrics).toContain('smtp_connections_total{server="default"} 1');
        expect(metrics).not.toContain('fumi_');
        await ops.app.close();
        ops = undefined;
      }
    });

    it.each<[Record<string, unknown>, RegExp]>([
      [{ prefix: '1fumi' }, /option "prefix": must be letters/],
      [{ durationBuckets: [1, 0.5] }, /option "durationBuckets": must be increasing/],
      [{ registry: {} }, /option "registry": must be a prom-client Registry/],
      [{ buckets: [] }, /option "buckets": is not a known option/],
    ])('fails at bootstrap on %j, naming the option', async (options, error) => {
      const boot = Test.createTestingModule({
        imports: [FumiModule.forRoot(testServerOptions()), FumiMetricsModule.forRoot(options as FumiMetricsModuleOptions)],
      }).compile();
      await expect(boot).rejects.toThrow(error);
    });
  });
});
