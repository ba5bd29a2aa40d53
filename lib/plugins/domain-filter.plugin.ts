import { SmtpException } from '../exceptions/smtp.exception.js';
import { DomainList } from './domain-list.js';
import type { FumiPlugin } from './fumi-plugin.interface.js';
import type { PluginReplyOptions } from './reply-options.interface.js';

export interface DomainFilterOptions extends PluginReplyOptions {
  /** Also match subdomains (`mail.example.com` for `example.com`). Default false. */
  subdomains?: boolean;
}

/** A domain-list plugin whose list can change at run time. */
export interface DomainFilter extends FumiPlugin {
  add(domain: string): this;
  delete(domain: string): this;
  domains(): string[];
}

function domainFilter(
  list: DomainList,
  install: (app: Parameters<FumiPlugin>[0]) => void,
): DomainFilter {
  const plugin = install as DomainFilter;
  plugin.add = (domain) => (list.add(domain), plugin);
  plugin.delete = (domain) => (list.delete(domain), plugin);
  plugin.domains = () => list.values();
  return plugin;
}

/**
 * fumi's `rcptFilter(allowedDomains)`: accept recipients only in these domains (case-insensitive);
 * others get `550 5.7.1`. It runs at priority 0 (in the order of `plugins`) unless given one.
 */
export function rcptFilter(allowedDomains: Iterable<string>, options: DomainFilterOptions = {}): DomainFilter {
  const list = new DomainList(allowedDomains, options.subdomains);
  const { message = 'Recipient domain not accepted here', code = 550, enhancedCode = '5.7.1', priority = 0 } = options;
  return domainFilter(list, (app) => {
    app.onRcptTo(
      function rcptFilter(ctx) {
        if (!list.matches(ctx.address.address)) throw new SmtpException(message, code, enhancedCode);
      },
      { priority },
    );
  });
}

/**
 * fumi's `senderBlock(domains)`: refuse senders from these domains (case-insensitive) with
 * `550 5.7.1`. It runs at priority 0 (in the order of `plugins`) unless given one.
 */
export function senderBlock(domains: Iterable<string>, options: DomainFilterOptions = {}): DomainFilter {
  const list = new DomainList(domains, options.subdomains);
  const { message = 'Sender domain blocked', code = 550, enhancedCode = '5.7.1', priority = 0 } = options;
  return domainFilter(list, (app) => {
    app.onMailFrom(
      function senderBlock(ctx) {
        if (ctx.address.address && list.matches(ctx.address.address)) throw new SmtpException(message, code, enhancedCode);
      },
      { priority },
    );
  });
}
