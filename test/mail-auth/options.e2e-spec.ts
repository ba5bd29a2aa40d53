import 'reflect-metadata';
import { FumiMailAuthModule, FumiMailAuthOptionsError } from '../../lib/mail-auth/index.js';
import { bootAndClose } from '../support/app.js';

/** Boots an app with the module and closes it: what bootstrap says of the options. */
const boot = (options: unknown): Promise<void> => bootAndClose({}, [], [FumiMailAuthModule.forRoot(options as never)]);

describe('FumiMailAuthModule options: a wrong one fails at bootstrap, naming it', () => {
  it.each([
    [{ dns: { servers: ['not-an-ip'] } }, 'dns.servers'],
    [{ dns: { budget: 2 ** 31 } }, 'dns.budget'],
    [{ spf: { fail: 'deny' } }, 'spf.fail'],
    [{ dmarc: { maxSignatures: 0 } }, 'dmarc.maxSignatures'],
    [{ dnsbl: {} }, 'dnsbl.zones'],
    [{ greylist: { delay: 60_000, retryWindow: 1_000 } }, 'greylist.retryWindow'],
    [{ greylist: { store: {} } }, 'greylist.store'],
    [{ allowlist: ['10.0.0.0/33'] }, 'allowlist'],
    [{ temperror: 'ignore' }, 'temperror'],
    [{ authservId: 'mx (main)' }, 'authservId'],
    [{ dkim: true }, 'dkim'],
  ])('%j → %s', async (options, option) => {
    const error = await boot(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FumiMailAuthOptionsError);
    expect(error).toMatchObject({ option, message: expect.stringContaining(`Invalid FumiMailAuthModule option "${option}"`) });
  });

  it('checks server and priorities where the module is declared', () => {
    expect(() => FumiMailAuthModule.forRoot({ server: '' })).toThrow(/option "server"/);
    expect(() => FumiMailAuthModule.forRoot({ priority: Number.NaN })).toThrow(/option "priority"/);
    expect(() => FumiMailAuthModule.forRootAsync({ useFactory: () => ({}), greylistPriority: Infinity })).toThrow(/option "greylistPriority"/);
  });

  it('boots with valid options', async () => {
    await expect(boot({ dns: { servers: ['127.0.0.1:53', '[::1]:53'] }, greylist: true, allowlist: ['10.0.0.0/8'] })).resolves.toBeUndefined();
  });
});
