import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { FumiModule, FumiServer, getFumiServerToken } from '../lib/index.js';
import { FumiRspamdModule, FumiRspamdOptionsError, type FumiRspamdModuleOptions } from '../lib/rspamd/index.js';
import { testServerOptions } from './support/app.js';
import { send } from './support/rspamd-mail.js';
import { GTUBE, startRspamd } from './support/rspamd-server.js';

describe('nestjs-fumi/rspamd options', () => {
  const bootWith = async (options: FumiRspamdModuleOptions | Record<string, unknown>): Promise<unknown> => {
    const moduleRef = await Test.createTestingModule({
      imports: [FumiModule.forRoot(testServerOptions()), FumiRspamdModule.forRoot(options as FumiRspamdModuleOptions)],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.close();
    return undefined;
  };

  it.each([
    [{}, 'url'],
    [{ url: 'redis://127.0.0.1:6379' }, 'url'],
    [{ url: 'http://127.0.0.1:11333/checkv2' }, 'url'],
    [{ url: 'http://127.0.0.1:11333', timeout: 0 }, 'timeout'],
    [{ url: 'http://127.0.0.1:11333', onFailure: 'ignore' }, 'onFailure'],
    [{ url: 'http://127.0.0.1:11333', circuitBreaker: { failures: 0 } }, 'circuitBreaker.failures'],
    [{ url: 'http://127.0.0.1:11333', circuitBreaker: { cooldown: 10 } }, 'circuitBreaker.cooldown'],
    [{ url: 'http://127.0.0.1:11333', maxSize: -1 }, 'maxSize'],
    [{ url: 'http://127.0.0.1:11333', host: 'x' }, 'host'],
  ])('refuses %j at bootstrap, naming %s', async (options, option) => {
    const failure = await bootWith(options).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FumiRspamdOptionsError);
    expect(failure).toMatchObject({ option });
  });

  it('refuses a bad server or priority where the module is declared', () => {
    expect(() => FumiRspamdModule.forRoot({ url: 'http://127.0.0.1:11333', priority: Number.NaN })).toThrow(
      expect.objectContaining({ option: 'priority' }),
    );
    expect(() => FumiRspamdModule.forRootAsync({ server: '', useFactory: () => ({ url: 'http://127.0.0.1:11333' }) })).toThrow(
      expect.objectContaining({ option: 'server' }),
    );
  });

  it("scans only the messages of the server it is for (forRootAsync's server)", async () => {
    const rspamd = await startRspamd();
    const moduleRef = await Test.createTestingModule({
      imports: [
        FumiModule.forRoot(testServerOptions()),
        FumiModule.forRoot({ ...testServerOptions(), name: 'mx' }),
        FumiRspamdModule.forRootAsync({ server: 'mx', useFactory: () => ({ url: rspamd.url }) }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    try {
      await moduleRef.init();
      const port = (name: string) => moduleRef.get<FumiServer>(getFumiServerToken(name)).address().port;
      expect((await send(port('default'), { subject: 'default', text: GTUBE })).code).toBe(250);
      expect((await send(port('mx'), { subject: 'mx', text: GTUBE })).code).toBe(550);
    } finally {
      await moduleRef.close();
      await rspamd.stop();
    }
  }, 90_000);
});
