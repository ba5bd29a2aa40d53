import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { reverseName } from '../dns/reverse-name.js';
import type { ResolvedMailAuthOptions } from '../options/resolved-mail-auth-options.js';
import type { DnsblListing } from '../results/mail-auth-results.interface.js';

/** Answers kept at most, oldest dropped first, so that a stream of new clients cannot grow it. */
const MAX_CACHED = 10_000;

/** 127.255.255.0/24: the list refused the query (Spamhaus through a public resolver): not a listing. */
const isListErrorCode = (code: string) => code.startsWith('127.255.255.');

/**
 * DNS blocklists: an address is asked of every zone at once, each answer kept for its TTL
 * ("not listed" for `negativeTtl`). A lookup that fails counts as not listed and is not kept.
 */
export class DnsblCheck {
  private readonly resolver: Resolver;
  private readonly cache = new Map<string, { codes: string[]; expires: number }>();

  constructor(private readonly options: NonNullable<ResolvedMailAuthOptions['dnsbl']>, dns: ResolvedMailAuthOptions['dns']) {
    this.resolver = new Resolver({ timeout: dns.timeout, tries: dns.tries });
    if (dns.servers) this.resolver.setServers([...dns.servers]);
  }

  /** The lists that list `address`, in the order of the options' zones. */
  async listings(address: string): Promise<DnsblListing[]> {
    if (!isIP(address)) return [];
    const answers = await Promise.all(this.options.zones.map((zone) => this.ask(address, zone)));
    return this.options.zones.flatMap((zone, i) => (answers[i]!.length ? [{ zone, codes: answers[i]! }] : []));
  }

  private async ask(address: string, zone: string): Promise<string[]> {
    const key = `${zone} ${address}`;
    const cached = this.cache.get(key);
    if (cached && cached.expires > Date.now()) return cached.codes;
    this.cache.delete(key);
    try {
      const records = await this.resolver.resolve4(reverseName(address, zone), { ttl: true });
      const codes = records.map((r) => r.address).filter((code) => !isListErrorCode(code));
      const ttl = Math.min(...records.map((r) => r.ttl));
      this.keep(key, codes, codes.length ? ttl : this.options.negativeTtl);
      return codes;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') this.keep(key, [], this.options.negativeTtl);
      return [];
    }
  }

  private keep(key: string, codes: string[], ttlSeconds: number): void {
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { codes, expires: Date.now() + ttlSeconds * 1000 });
  }
}
