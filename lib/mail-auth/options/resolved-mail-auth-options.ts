import { IpRangeList } from '../../plugins/ip-range-list.js';
import { MemoryCounterStore } from '../../stores/memory-counter.store.js';
import type { CounterStore } from '../../stores/counter-store.interface.js';
import type { FumiMailAuthModuleOptions, MailAuthAction } from './mail-auth-options.interface.js';

/** The options with every default filled in: the one place defaults live. */
export interface ResolvedMailAuthOptions {
  readonly authservId?: string;
  readonly dns: { readonly servers?: string[]; readonly timeout: number; readonly tries: number; readonly budget: number };
  readonly spf?: { readonly fail: MailAuthAction };
  readonly dmarc?: { readonly reject: MailAuthAction; readonly arc: boolean; readonly minBitLength: number; readonly maxSignatures: number };
  readonly temperror: 'defer' | 'tag';
  readonly dnsbl?: { readonly zones: readonly string[]; readonly listed: MailAuthAction; readonly negativeTtl: number };
  readonly greylist?: {
    readonly delay: number;
    readonly retryWindow: number;
    readonly expiry: number;
    readonly skipSpfPass: boolean;
    readonly store: CounterStore;
  };
  readonly allowlist: IpRangeList;
}

const DAY = 24 * 60 * 60 * 1000;

export function resolveMailAuthOptions(options: FumiMailAuthModuleOptions): ResolvedMailAuthOptions {
  const greylist = options.greylist === true ? {} : options.greylist;
  return {
    authservId: options.authservId,
    dns: {
      servers: options.dns?.servers,
      timeout: options.dns?.timeout ?? 2000,
      tries: options.dns?.tries ?? 2,
      budget: options.dns?.budget ?? 10_000,
    },
    spf: options.spf === false ? undefined : { fail: options.spf?.fail ?? 'reject' },
    dmarc:
      options.dmarc === false
        ? undefined
        : {
            reject: options.dmarc?.reject ?? 'reject',
            arc: options.dmarc?.arc ?? true,
            minBitLength: options.dmarc?.minBitLength ?? 1024,
            maxSignatures: options.dmarc?.maxSignatures ?? 10,
          },
    temperror: options.temperror ?? 'defer',
    dnsbl: options.dnsbl && {
      zones: options.dnsbl.zones.map((zone) => zone.replace(/\.$/, '').toLowerCase()),
      listed: options.dnsbl.listed ?? 'reject',
      negativeTtl: options.dnsbl.negativeTtl ?? 300,
    },
    greylist: greylist && {
      delay: greylist.delay ?? 5 * 60 * 1000,
      retryWindow: greylist.retryWindow ?? DAY,
      expiry: greylist.expiry ?? 36 * DAY,
      skipSpfPass: greylist.skipSpfPass ?? false,
      // a stream of made-up recipients must not grow memory without end
      store: greylist.store ?? new MemoryCounterStore(Date.now, { maxKeys: 100_000 }),
    },
    allowlist: new IpRangeList(options.allowlist ?? []),
  };
}
