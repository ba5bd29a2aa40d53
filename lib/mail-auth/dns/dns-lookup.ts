import { Resolver } from 'node:dns/promises';

/** mailauth's resolver: `(name, rrtype)` → records, failing with a DNS error code. */
export type DnsLookup = (name: string, rrtype: string) => Promise<string[] | string[][]>;

export interface DnsLookupOptions {
  readonly servers?: readonly string[];
  readonly timeout: number;
  readonly tries: number;
}

/** A failed lookup in the shape mailauth reads: a DNS error code that is not "no such record". */
function dnsError(code: string, name: string): Error {
  return Object.assign(new Error(`${code} ${name}`), { code, hostname: name });
}

/**
 * The lookups of one check (a sender's SPF, a message's DKIM/ARC/DMARC) under one time budget:
 * a query asked twice is answered once, and past the budget every lookup fails with `ETIMEOUT`,
 * which mailauth reports as `temperror`. `close()` cancels what is still in flight.
 */
export class BudgetedLookup {
  private readonly resolver: Resolver;
  private readonly answers = new Map<string, Promise<string[] | string[][]>>();
  private deadline = Number.POSITIVE_INFINITY;
  /** Lookups asked, including those answered from this check's own cache. */
  count = 0;

  /** @param seed lookups whose answers this one starts from (the SPF check's, for the message's) */
  constructor(options: DnsLookupOptions, seed?: BudgetedLookup) {
    if (seed) for (const [key, answer] of seed.answers) this.answers.set(key, answer);
    this.resolver = new Resolver({ timeout: options.timeout, tries: options.tries });
    if (options.servers) this.resolver.setServers([...options.servers]);
  }

  /** Starts the clock: lookups may go on for `budget` milliseconds from now. */
  start(budget: number): this {
    this.deadline = Date.now() + budget;
    return this;
  }

  /** The time left, in milliseconds (infinite before `start()`). */
  get remaining(): number {
    return this.deadline - Date.now();
  }

  readonly lookup: DnsLookup = (name, rrtype) => {
    this.count++;
    const key = `${rrtype} ${name.toLowerCase()}`;
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.ask(name, rrtype);
      this.answers.set(key, answer);
    }
    return answer;
  };

  close(): void {
    this.resolver.cancel();
  }

  private ask(name: string, rrtype: string): Promise<string[] | string[][]> {
    const left = this.remaining;
    if (left <= 0) return Promise.reject(dnsError('ETIMEOUT', name));
    const query = this.resolver.resolve(name, rrtype) as Promise<string[] | string[][]>;
    if (!Number.isFinite(left)) return query;
    let timer: NodeJS.Timeout | undefined;
    const overtime = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(dnsError('ETIMEOUT', name)), left);
    });
    return Promise.race([query, overtime]).finally(() => clearTimeout(timer));
  }
}
