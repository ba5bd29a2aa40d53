// A plain FumiModule app whose one @OnData handler parses each message with ctx.parse(), on the
// event loop or in the shared parser pool (PARSE_IN=pool); prints "smtp <port>" once it listens.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, DataContext, FumiModule, FumiServer, OnData } from '../../lib/index.js';

@Injectable()
class Parsing {
  @OnData()
  async parse(@Ctx() ctx: DataContext) {
    await ctx.parse(process.env.PARSE_IN === 'pool' ? { pool: true } : {});
  }
}

@Module({
  imports: [FumiModule.forRoot({ host: '127.0.0.1', port: 0, hideSTARTTLS: true, disableReverseLookup: true, size: 12 * 1024 * 1024 })],
  providers: [Parsing],
})
class ParseApp {}

const app = await NestFactory.createApplicationContext(ParseApp, { logger: ['warn', 'error'] });
app.enableShutdownHooks();
process.stdout.write(`smtp ${app.get(FumiServer).address().port}\n`);
