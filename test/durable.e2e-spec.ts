import { Inject, Injectable, Scope } from '@nestjs/common';
import { ContextIdFactory, type ContextId, type ContextIdStrategy, type HostComponentInfo } from '@nestjs/core';
import { Ctx, type FumiSession, MailFromContext, OnMailFrom } from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';

/** One durable DI sub-tree per client address, e.g. a tenant: shared by its connections. */
class PerClientAddress implements ContextIdStrategy<FumiSession> {
  private readonly trees = new Map<string, ContextId>();
  attach(contextId: ContextId, session: FumiSession) {
    let tree = this.trees.get(session.remoteAddress);
    if (!tree) this.trees.set(session.remoteAddress, (tree = ContextIdFactory.create()));
    return (info: HostComponentInfo) => (info.isTreeDurable ? tree : contextId);
  }
}

@Injectable({ scope: Scope.REQUEST, durable: true })
class ClientCounter {
  messages = 0;
}

@Injectable({ scope: Scope.REQUEST, durable: true })
class Counting {
  constructor(@Inject(ClientCounter) private readonly counter: ClientCounter) {}

  @OnMailFrom() count(@Ctx() ctx: MailFromContext) {
    ctx.reject(`count=${++this.counter.messages}`, 450);
  }
}

describe('durable providers (ContextIdStrategy)', () => {
  let running: RunningApp | undefined;
  beforeAll(() => ContextIdFactory.apply(new PerClientAddress()));
  afterAll(async () => {
    await running?.close();
  });

  it('shares a durable sub-tree between the connections the strategy groups together', async () => {
    running = await startApp({ providers: [Counting, ClientCounter] });
    const count = async (localAddress: string) => {
      const client = await SmtpTestClient.connect(running!.port, { localAddress });
      await client.ehlo();
      const reply = await client.send('MAIL FROM:<a@x.test>');
      await client.quit();
      return reply.message;
    };
    expect(await count('127.0.0.2')).toBe('count=1');
    expect(await count('127.0.0.2')).toBe('count=2'); // another connection, the same tree
    expect(await count('127.0.0.3')).toBe('count=1'); // another client, its own tree
    expect(await count('127.0.0.2')).toBe('count=3');
  });
});
