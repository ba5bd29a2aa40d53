/** A set of domains matched case-insensitively, optionally with their subdomains. */
export class DomainList {
  private readonly domains = new Set<string>();

  constructor(
    domains: Iterable<string>,
    private readonly subdomains = false,
  ) {
    for (const domain of domains) this.add(domain);
  }

  add(domain: string): void {
    this.domains.add(normalize(domain));
  }

  delete(domain: string): boolean {
    return this.domains.delete(normalize(domain));
  }

  /** Whether the domain of `address` (or `address` itself, if it has no `@`) is listed. */
  matches(address: string): boolean {
    let domain = normalize(address.slice(address.lastIndexOf('@') + 1));
    if (this.domains.has(domain)) return true;
    if (!this.subdomains) return false;
    for (let dot = domain.indexOf('.'); dot !== -1; dot = domain.indexOf('.')) {
      domain = domain.slice(dot + 1);
      if (this.domains.has(domain)) return true;
    }
    return false;
  }

  values(): string[] {
    return [...this.domains];
  }
}

/** Case and a trailing root dot do not make another domain. */
const normalize = (domain: string) => domain.trim().toLowerCase().replace(/\.$/, '');
