import { Inject, Injectable, Module, Scope, type Type } from '@nestjs/common';
import { ContextIdFactory, INQUIRER, ModuleRef, REQUEST } from '@nestjs/core';
import {
  Ctx,
  type FumiSession,
  InjectSmtpSession,
  type MailFromContext,
  Next,
  type NextFunction,
  OnClose,
  OnConnect,
  OnMailFrom,
  OnRcptTo,
  SmtpContext,
} from '../lib/index.js';
import { SmtpTestClient } from '../lib/testing/index.js';
import { startApp, type RunningApp } from './support/app.js';
import { waitFor } from './support/wait-for.js';

describe('request-scoped handlers', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const seen: { phase: string; instance: number; session: string }[] = [];
  beforeEach(() => (seen.length = 0));
  let instances = 0;

  @Injectable({ scope: Scope.REQUEST })
  class PerConnection {
    readonly number = ++instances;

    constructor(@InjectSmtpSession() private readonly session: FumiSession) {}

    // One method for several phases: its pipeline is built once per connection and shared.
    @OnConnect()
    @OnMailFrom()
    @OnRcptTo()
    note(@Ctx() ctx: SmtpContext) {
      seen.push({ phase: ctx.phase, instance: this.number, session: this.session.id });
    }

    @OnClose()
    close(@Ctx() ctx: SmtpContext) {
      seen.push({ phase: ctx.phase, instance: this.number, session: this.session.id });
    }
  }

  it('gives each connection one instance, in every phase of every method', async () => {
    running = await startApp({ providers: [PerConnection] });
    const sessions: string[] = [];
    for (let i = 0; i < 2; i++) {
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect((await client.send('MAIL FROM:<a@example.test>')).code).toBe(250);
      expect((await client.send('RCPT TO:<b@example.test>')).code).toBe(250);
      expect((await client.send('RCPT TO:<c@example.test>')).code).toBe(250);
      await client.quit();
      await waitFor(() => seen.filter((s) => s.phase === 'close').length === i + 1);
      sessions.push(seen.find((s) => s.phase === 'connect' && !sessions.includes(s.session))!.session);
    }
    for (const session of sessions) {
      const mine = seen.filter((s) => s.session === session);
      expect(mine.map((s) => s.phase)).toEqual(['connect', 'mailFrom', 'rcptTo', 'rcptTo', 'close']);
      expect(new Set(mine.map((s) => s.instance)).size).toBe(1);
    }
    expect(seen.find((s) => s.session === sessions[0])!.instance).not.toBe(
      seen.find((s) => s.session === sessions[1])!.instance,
    );
  });
});

/** One connection sending MAIL FROM `times` times (RSET between), returning the reply codes. */
async function mailFromCodes(port: number, times = 1): Promise<number[]> {
  const client = await SmtpTestClient.connect(port);
  await client.ehlo();
  const codes: number[] = [];
  for (let i = 0; i < times; i++) {
    codes.push((await client.send('MAIL FROM:<a@example.test>')).code);
    await client.send('RSET');
  }
  await client.quit();
  return codes;
}

/**
 * Every connection, the first and the later ones, gets exactly what Nest's injector gives a
 * request of its own.
 */
describe('request-scoped trees on later connections', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  interface Seen {
    handler: string;
    session: FumiSession;
    ledger: Ledger;
    sameAsResolved: boolean;
  }
  const seen: Seen[] = [];
  beforeEach(() => (seen.length = 0));

  @Injectable()
  class Clock {}

  @Injectable({ scope: Scope.REQUEST })
  class Ledger {
    constructor(
      @InjectSmtpSession() readonly session: FumiSession,
      readonly clock: Clock,
    ) {}
  }

  @Injectable()
  class FirstHandler {
    constructor(
      private readonly ledger: Ledger,
      private readonly moduleRef: ModuleRef,
    ) {}

    @OnMailFrom()
    async mailFrom(@Ctx() ctx: MailFromContext) {
      // What any other code of the connection gets from Nest's registry for its context.
      const resolved = await this.moduleRef.resolve(Ledger, ContextIdFactory.getByRequest(ctx.session), { strict: false });
      seen.push({ handler: 'first', session: ctx.session, ledger: this.ledger, sameAsResolved: resolved === this.ledger });
    }
  }

  @Injectable()
  class SecondHandler {
    constructor(private readonly ledger: Ledger) {}

    @OnMailFrom()
    mailFrom(@Ctx() ctx: MailFromContext) {
      seen.push({ handler: 'second', session: ctx.session, ledger: this.ledger, sameAsResolved: true });
    }
  }

  it("gives every connection one instance of a shared service, its own session, the singletons, and the registry's instance", async () => {
    running = await startApp({ providers: [Clock, Ledger, FirstHandler, SecondHandler] });
    for (let connection = 0; connection < 4; connection++) expect(await mailFromCodes(running.port)).toEqual([250]);
    expect(seen).toHaveLength(8);
    const clock = running.app.get(Clock);
    const ledgers = new Set<Ledger>();
    for (let connection = 0; connection < 4; connection++) {
      const [first, second] = seen.slice(connection * 2, connection * 2 + 2);
      expect([first!.handler, second!.handler]).toEqual(['first', 'second']);
      expect(second!.ledger).toBe(first!.ledger);
      expect(first!.ledger.session).toBe(first!.session);
      expect(first!.ledger.clock).toBe(clock);
      expect(first!.sameAsResolved).toBe(true);
      ledgers.add(first!.ledger);
    }
    expect(ledgers.size).toBe(4);
  });

  @Injectable({ scope: Scope.REQUEST })
  class Fragile {
    static failNext = false;

    constructor() {
      if (Fragile.failNext) {
        Fragile.failNext = false;
        throw new Error('the constructor failed');
      }
    }

    @OnMailFrom() mailFrom() {}
  }

  it("answers 451 when a later connection's constructor throws; its next command and the next connection are served", async () => {
    running = await startApp({ providers: [Fragile] });
    expect(await mailFromCodes(running.port)).toEqual([250]);
    Fragile.failNext = true;
    expect(await mailFromCodes(running.port, 2)).toEqual([451, 250]);
    expect(await mailFromCodes(running.port)).toEqual([250]);
  });

  const SESSION_TAG = Symbol('SESSION_TAG');
  const checks: string[] = [];
  const helpers = new Set<Helper>();
  beforeEach(() => {
    checks.length = 0;
    helpers.clear();
  });

  /** Property injection: built with `new` alone, its properties would be missing. */
  @Injectable({ scope: Scope.REQUEST })
  class PropertyInjected {
    @Inject(Clock) private readonly clock!: Clock;
    @Inject(REQUEST) private readonly session!: FumiSession;

    @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
      checks.push(`property ${this.clock instanceof Clock} ${this.session === ctx.session}`);
    }
  }

  /** A request-scoped factory: only the injector may call it. */
  @Injectable()
  class FactoryFed {
    constructor(@Inject(SESSION_TAG) private readonly tag: string) {}

    @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
      checks.push(`factory ${this.tag === `tag ${ctx.session.id}`}`);
    }
  }

  @Injectable({ scope: Scope.TRANSIENT })
  class Helper {
    constructor(@Inject(INQUIRER) readonly owner: object) {}
  }

  /** A transient dependency that asks for its INQUIRER. */
  @Injectable({ scope: Scope.REQUEST })
  class WithHelper {
    constructor(private readonly helper: Helper) {}

    @OnMailFrom() mailFrom() {
      helpers.add(this.helper);
      checks.push(`transient ${this.helper.owner instanceof WithHelper}`);
    }
  }

  const leftToTheInjector = [PropertyInjected, FactoryFed, WithHelper];
  const providers = [
    Clock,
    Helper,
    { provide: SESSION_TAG, scope: Scope.REQUEST, inject: [REQUEST], useFactory: (session: FumiSession) => `tag ${session.id}` },
    ...leftToTheInjector,
  ];

  it('leaves property injection, factories and transient dependencies to the injector, on every connection', async () => {
    running = await startApp({ providers });
    for (let connection = 0; connection < 3; connection++) expect(await mailFromCodes(running.port)).toEqual([250]);
    const expected = ['property true true', 'factory true', 'transient true'];
    expect([...checks].sort()).toEqual([...expected, ...expected, ...expected].sort());
    expect(helpers.size).toBe(3);
  });

  it('gives every connection a tree of its own, shared services and injector-only providers included', async () => {
    running = await startApp({ providers: [...providers, Ledger, FirstHandler, SecondHandler] });
    for (let connection = 0; connection < 3; connection++) expect(await mailFromCodes(running.port)).toEqual([250]);
    const firsts = seen.filter((entry) => entry.handler === 'first');
    expect(firsts).toHaveLength(3);
    expect(new Set(firsts.map((entry) => entry.ledger)).size).toBe(3);
    for (const entry of firsts) expect(entry.ledger.session).toBe(entry.session);
    expect(checks.filter((check) => !check.endsWith('true'))).toEqual([]);
    expect(checks).toHaveLength(9);
  });

  /** Another module gives the handler class's token to a class of its own. */
  @Injectable({ scope: Scope.REQUEST })
  class OwnHandler {
    @OnMailFrom() mailFrom() {
      checks.push(this.constructor.name);
    }
  }

  @Injectable({ scope: Scope.REQUEST })
  class Stranger {
    mailFrom() {
      checks.push(this.constructor.name);
    }
  }

  @Module({ providers: [{ provide: OwnHandler, useClass: Stranger, scope: Scope.REQUEST }] })
  class OverridingModule {}

  it("runs every connection's handler on the class that declared it, whatever another module provides under its token", async () => {
    running = await startApp({ providers: [OwnHandler], imports: [OverridingModule] });
    for (let connection = 0; connection < 3; connection++) expect(await mailFromCodes(running.port)).toEqual([250]);
    expect(checks).toEqual(['OwnHandler', 'OwnHandler', 'OwnHandler']);
  });

  /** A constructor that has something resolved which injects its own class (a lazily wanted helper). */
  @Injectable({ scope: Scope.REQUEST })
  class SelfReferring {
    static built = 0;
    readonly helper: Promise<Helped>;

    constructor(moduleRef: ModuleRef, @InjectSmtpSession() session: FumiSession) {
      SelfReferring.built++;
      this.helper = moduleRef.resolve(Helped, ContextIdFactory.getByRequest(session), { strict: false });
    }

    @OnMailFrom() async mailFrom() {
      checks.push(`same ${(await this.helper).owner === this}`);
    }
  }

  @Injectable({ scope: Scope.REQUEST })
  class Helped {
    constructor(readonly owner: SelfReferring) {}
  }

  it('gives what a constructor has resolved for its connection the instance being built, not a second one', async () => {
    SelfReferring.built = 0;
    running = await startApp({ providers: [SelfReferring, Helped] });
    for (let connection = 0; connection < 3; connection++) expect(await mailFromCodes(running.port)).toEqual([250]);
    expect(checks).toEqual(['same true', 'same true', 'same true']);
    expect(SelfReferring.built).toBe(3);
  });

  /** A dependency whose constructor has something resolved that injects the class it is built for. */
  @Injectable({ scope: Scope.REQUEST })
  class Eager {
    readonly helper: Promise<Watcher>;

    constructor(moduleRef: ModuleRef, @InjectSmtpSession() session: FumiSession) {
      this.helper = moduleRef.resolve(Watcher, ContextIdFactory.getByRequest(session), { strict: false });
    }
  }

  @Injectable({ scope: Scope.REQUEST })
  class Watched {
    constructor(
      private readonly eager: Eager,
      private readonly moduleRef: ModuleRef,
      @InjectSmtpSession() private readonly session: FumiSession,
    ) {}

    @OnMailFrom() async mailFrom() {
      const watcher = await this.eager.helper;
      const resolved = await this.moduleRef.resolve(Watched, ContextIdFactory.getByRequest(this.session), { strict: false });
      checks.push(`watched ${watcher.watched === this} ${resolved === this}`);
    }
  }

  @Injectable({ scope: Scope.REQUEST })
  class Watcher {
    constructor(readonly watched: Watched) {}
  }

  it("serves a connection one instance when a dependency's constructor has the class resolved", async () => {
    running = await startApp({ providers: [Eager, Watched, Watcher] });
    for (let connection = 0; connection < 3; connection++) expect(await mailFromCodes(running.port)).toEqual([250]);
    expect(checks).toEqual(['watched true true', 'watched true true', 'watched true true']);
  });

  /**
   * 24 layers, each injecting the next twice: 2²⁴ paths through 24 classes. Planning each class
   * once is instant; planning every path took 8 s at 20 layers, and at 24 outlasts the test's
   * timeout.
   */
  const LAYERS = 24;
  let layersBuilt = 0;
  const layers: Type[] = [];
  for (let i = 0; i < LAYERS; i++) {
    const next = layers[0];
    class Layer {
      constructor(..._both: unknown[]) {
        layersBuilt++;
      }
    }
    if (next) Reflect.defineMetadata('design:paramtypes', [next, next], Layer);
    else Inject(REQUEST)(Layer, undefined, 0);
    Injectable({ scope: Scope.REQUEST })(Layer);
    layers.unshift(Layer);
  }
  @Injectable()
  class Layered {
    constructor(@Inject(layers[0]!) private readonly top: object) {}

    @OnMailFrom() mailFrom() {
      checks.push(`layered ${this.top instanceof layers[0]!}`);
    }
  }

  it('builds a deep tree whose classes share dependencies once per class and connection', async () => {
    running = await startApp({ providers: [...layers, Layered] });
    for (let connection = 0; connection < 3; connection++) {
      layersBuilt = 0;
      expect(await mailFromCodes(running.port)).toEqual([250]);
      expect(layersBuilt).toBe(LAYERS);
    }
    expect(checks).toEqual(['layered true', 'layered true', 'layered true']);
  });
});

/**
 * Nest's injector keeps a context's instances in WeakMaps keyed by its context id; their values
 * (the session as `REQUEST`, the instances injecting it) hold that key alive, so left there a
 * closed connection's objects survive young-generation collections. The module lets them go
 * once the connection is over: closed, and none of its chains still running.
 */
describe("a connection's request-scoped tree once the connection is over", () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  @Injectable({ scope: Scope.REQUEST })
  class Tab {
    constructor(@InjectSmtpSession() readonly session: FumiSession) {}
  }

  const gate: { open?: () => void; opened?: Promise<void> } = {};
  const served: { handler: string; tab: Tab }[] = [];
  const closed: FumiSession[] = [];
  beforeEach(() => {
    served.length = 0;
    closed.length = 0;
    gate.opened = new Promise((resolve) => (gate.open = resolve));
  });

  @Injectable()
  class Slow {
    constructor(private readonly tab: Tab) {}

    @OnMailFrom({ priority: 10 })
    async mailFrom(@Ctx() _ctx: MailFromContext, @Next() next: NextFunction) {
      served.push({ handler: 'slow', tab: this.tab });
      await gate.opened;
      await next();
    }
  }

  @Injectable()
  class Late {
    constructor(private readonly tab: Tab) {}

    @OnMailFrom()
    mailFrom() {
      served.push({ handler: 'late', tab: this.tab });
    }
  }

  @Injectable()
  class Closing {
    @OnClose()
    close(@Ctx() ctx: SmtpContext) {
      closed.push(ctx.session);
    }
  }

  const tabOf = (app: RunningApp['app'], session: FumiSession) =>
    app.get(ModuleRef).resolve(Tab, ContextIdFactory.getByRequest(session), { strict: false });

  it('keeps it while a chain still runs after the close, and lets it go when that chain ends', async () => {
    running = await startApp({ providers: [Tab, Slow, Late, Closing] });
    const app = running.app;
    const client = await SmtpTestClient.connect(running.port);
    await client.ehlo();
    void client.send('MAIL FROM:<a@example.test>').catch(() => undefined);
    await waitFor(() => served.length === 1);
    client.destroy();
    await waitFor(() => closed.length === 1);
    const session = closed[0]!;
    const tab = served[0]!.tab;
    // Closed, but its MAIL FROM chain is still running: the tree is the connection's still.
    expect(await tabOf(app, session)).toBe(tab);
    gate.open!();
    await waitFor(() => served.length === 2);
    // A class first used after the close gets the connection's instances, not new ones.
    expect(served[1]).toEqual({ handler: 'late', tab });
    expect(tab.session).toBe(session);
    // Once the chain has ended, the injector no longer has them: resolving builds anew.
    await waitFor(async () => (await tabOf(app, session)) !== tab);
    expect((await tabOf(app, session)).session).toBe(session);
  });

  it('lets it go at the close when no chain runs, with no close handler', async () => {
    running = await startApp({ providers: [Tab, Late] });
    const app = running.app;
    gate.open!();
    expect(await mailFromCodes(running.port)).toEqual([250]);
    const { tab } = served[0]!;
    await waitFor(async () => (await tabOf(app, tab.session)) !== tab);
  });

  it('keeps each open connection its own tree while others close', async () => {
    running = await startApp({ providers: [Tab, Late] });
    const app = running.app;
    const open = await SmtpTestClient.connect(running.port);
    await open.ehlo();
    expect((await open.send('MAIL FROM:<a@example.test>')).code).toBe(250);
    expect(await mailFromCodes(running.port)).toEqual([250]);
    const [stayed, left] = served;
    await waitFor(async () => (await tabOf(app, left!.tab.session)) !== left!.tab);
    expect(await tabOf(app, stayed!.tab.session)).toBe(stayed!.tab);
    expect((await open.send('RSET')).code).toBe(250);
    expect((await open.send('MAIL FROM:<b@example.test>')).code).toBe(250);
    expect(served[2]!.tab).toBe(stayed!.tab);
    await open.quit();
  });
});
