import type { CounterStore } from '../../stores/counter-store.interface.js';

/** What to do with a message or client a check condemns: refuse it, or only record the result. */
export type MailAuthAction = 'reject' | 'tag';

/** DNS as the checks see it. */
export interface MailAuthDnsOptions {
  /** Name servers as `ip` or `ip:port` (IPv6: `[::1]:53`). Default: the system's. */
  servers?: string[];
  /** Milliseconds a query waits for an answer before it is tried again (default 2000). */
  timeout?: number;
  /** Attempts per query (default 2). */
  tries?: number;
  /**
   * Milliseconds all of one check's lookups may take together (the SPF check of a sender, the
   * DKIM/ARC/DMARC checks of a message; default 10000): past it the result is `temperror`.
   */
  budget?: number;
}

/** SPF at MAIL FROM (the HELO identity when the sender is null). */
export interface MailAuthSpfOptions {
  /** SPF `fail`: refused with `550 5.7.23` (default), or recorded only. */
  fail?: MailAuthAction;
}

/** DKIM, ARC and DMARC once the message is in. */
export interface MailAuthDmarcOptions {
  /** A DMARC failure under `p=reject`: refused with `550 5.7.1` (default), or recorded only. */
  reject?: MailAuthAction;
  /** Verify the ARC chain (default true); its result is in the header and the results. */
  arc?: boolean;
  /** Smallest RSA key, in bits, a DKIM or ARC signature may use to pass (default 1024). */
  minBitLength?: number;
  /**
   * DKIM-Signature fields verified per message, the first ones (default 10): each costs a pass
   * over the body and a lookup, so more would let one message hold the server.
   */
  maxSignatures?: number;
}

/** DNS blocklists, asked when a client connects. */
export interface MailAuthDnsblOptions {
  /** Zones to ask, e.g. `['zen.spamhaus.org']`: a client listed in one is refused (or tagged). */
  zones: string[];
  /** A listed client: `554 5.7.1` naming the list (default), or recorded only. */
  listed?: MailAuthAction;
  /** Seconds a "not listed" answer is kept (default 300); "listed" is kept for its DNS TTL. */
  negativeTtl?: number;
}

/** Greylisting (RFC 6647) at RCPT TO. */
export interface MailAuthGreylistOptions {
  /** Milliseconds before a retry of a new triplet is accepted (default 300000, 5 minutes). */
  delay?: number;
  /** Milliseconds a first attempt waits for its retry before it is forgotten (default 86400000, a day). */
  retryWindow?: number;
  /** Milliseconds a triplet that passed is let through without a delay (default 36 days). */
  expiry?: number;
  /** Let senders whose SPF passed through without greylisting (default false). */
  skipSpfPass?: boolean;
  /** Where triplets are kept: a `MemoryCounterStore` of at most 100,000 keys by default, a Redis one across instances. */
  store?: CounterStore;
}

/** `FumiMailAuthModule.forRoot()` options: SPF and DKIM/ARC/DMARC are on unless `false`; blocklists and greylisting off until given. */
export interface FumiMailAuthModuleOptions {
  /** The authserv-id of `Authentication-Results:` (default: the server's host name). */
  authservId?: string;
  dns?: MailAuthDnsOptions;
  /** SPF at MAIL FROM; `false` turns it off (default on). */
  spf?: MailAuthSpfOptions | false;
  /** DKIM, ARC and DMARC at DATA; `false` turns them off (default on). */
  dmarc?: MailAuthDmarcOptions | false;
  /** A DNS failure (`temperror`) of SPF or DMARC: `451 4.4.3` (default `'defer'`), or recorded only. */
  temperror?: 'defer' | 'tag';
  /** DNS blocklists at connect (default off). */
  dnsbl?: MailAuthDnsblOptions;
  /** Greylisting at RCPT TO (default off); `true` for the defaults. */
  greylist?: MailAuthGreylistOptions | true;
  /** Client addresses and CIDR ranges never blocklisted nor greylisted. */
  allowlist?: string[];
}
