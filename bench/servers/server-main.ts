/**
 * Child process entry of one server under test: `server-main.js <raw|plain|full|sink>`.
 * Boots the variant, reports its port, and measures itself on the orchestrator's commands, so
 * that CPU and RSS figures belong to this server alone.
 */
import type { ServerCommand, ServerEvent, ServerVariant } from '../harness/ipc-messages.js';
import { FullAppModule } from './full/full-app.module.js';
import { deliveryTally } from './mail-policy.js';
import { PlainAppModule } from './plain/plain-app.module.js';
import { ProcessMeter } from './process-meter.js';
import { startRawServer } from './raw-server.js';
import type { RunningBenchServer } from './running-bench-server.js';
import { startSmtpSink } from './smtp-sink.js';
import { startFumiApp } from './start-fumi-app.js';
import { WindowProfiler } from './window-profiler.js';

function start(variant: ServerVariant): Promise<RunningBenchServer> {
  switch (variant) {
    case 'raw':
      return startRawServer();
    case 'plain':
      return startFumiApp(PlainAppModule);
    case 'full':
      return startFumiApp(FullAppModule);
    case 'sink':
      return startSmtpSink();
  }
}

function send(event: ServerEvent): void {
  process.send?.(event);
}

const variant = process.argv[2] as ServerVariant;
if (!['raw', 'plain', 'full', 'sink'].includes(variant)) {
  throw new Error(`usage: server-main.js raw|plain|full|sink (got ${String(variant)})`);
}

const server = await start(variant);
const meter = new ProcessMeter();
const profiler = new WindowProfiler();
let messagesAtStart = 0;
let profileFile: string | undefined;

process.on('message', async (command: ServerCommand) => {
  switch (command.type) {
    case 'measure-start': {
      profileFile = command.profile;
      messagesAtStart = deliveryTally.messages;
      // after the meter's forced GC, which is not the workload's
      const baselineRssBytes = meter.start();
      if (profileFile) await profiler.start();
      send({ type: 'measure-started', baselineRssBytes });
      break;
    }
    case 'snapshot':
      send({ type: 'snapshot', rssBytes: meter.settledRss(), openConnections: server.connections() });
      break;
    case 'measure-stop': {
      const report = { ...meter.stop(), messagesHandled: deliveryTally.messages - messagesAtStart };
      if (profileFile) await profiler.stop(`${profileFile}.${report.messagesHandled}.cpuprofile`);
      send({ type: 'measured', report });
      break;
    }
    case 'exit':
      void shutdown();
      break;
  }
});

// The orchestrator going away must not leave a server listening.
process.on('disconnect', () => void shutdown());

async function shutdown(): Promise<void> {
  const forced = setTimeout(() => process.exit(0), 3_000);
  forced.unref();
  await server.close().catch(() => undefined);
  process.exit(0);
}

send({ type: 'ready', port: server.port });
