// One SMTP instance for bench/haproxy-scaling.ts, run as a process of its own so that instances
// use separate cores. Accepts every message (the handler reads it to the end) behind a PROXY
// protocol balancer on 127.0.0.1; plain connections from elsewhere work too.
// Prints "listening <port>" once it accepts connections.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, DataContext, FumiModule, FumiServer, OnData } from '../lib/index.js';

@Injectable()
class Sink {
  @OnData() async accept(@Ctx() ctx: DataContext) {
    await ctx.received();
  }
}

@Module({
  imports: [
    FumiModule.forRoot({
      port: 0,
      host: '127.0.0.1',
      disableReverseLookup: true,
      hideSTARTTLS: true,
      maxClients: 1000,
      proxyProtocol: { trustedProxies: ['127.0.0.1'] },
    }),
  ],
  providers: [Sink],
})
class BenchInstanceModule {}

const app = await NestFactory.createApplicationContext(BenchInstanceModule, { logger: ['error'] });
app.enableShutdownHooks();
process.stdout.write(`listening ${app.get(FumiServer).address().port}\n`);
