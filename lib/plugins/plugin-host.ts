import type { SmtpContext } from '../context/smtp.context.js';
import type { FumiHandlerRegistry } from '../discovery/fumi-handler.registry.js';
import type { SmtpPhase } from '../context/smtp-phase.js';
import type { FumiMiddleware, FumiMiddlewareOptions, FumiPlugin, FumiPluginApi } from './fumi-plugin.interface.js';

/**
 * Installs a server's plugins: each middleware becomes a handler in the registry, where it is
 * ordered with the decorated ones. Runs when the server is created, before handler discovery,
 * so at equal priority plugins come first, in the order given.
 */
export class PluginHost {
  private sizeLimit = Number.POSITIVE_INFINITY;
  private count = 0;

  constructor(
    private readonly server: string,
    private readonly registry: FumiHandlerRegistry,
  ) {}

  /** The smallest size any plugin asked for, if one did. */
  get limitedSize(): number | undefined {
    return Number.isFinite(this.sizeLimit) ? this.sizeLimit : undefined;
  }

  install(plugins: readonly FumiPlugin[]): void {
    const api = this.api();
    for (const plugin of plugins) plugin(api);
  }

  private api(): FumiPluginApi {
    const host = this;
    const register = (phase: SmtpPhase) =>
      function (this: FumiPluginApi, middleware: FumiMiddleware<never>, options?: FumiMiddlewareOptions) {
        host.add(phase, middleware as FumiMiddleware, options);
        return this;
      };
    return {
      server: this.server,
      onConnect: register('connect'),
      onSecure: register('secure'),
      onAuth: register('auth'),
      onMailFrom: register('mailFrom'),
      onRcptTo: register('rcptTo'),
      onData: register('data'),
      onClose: register('close'),
      use(plugin) {
        plugin(this);
        return this;
      },
      limitSize(bytes) {
        if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`limitSize() takes a byte count, got ${bytes}`);
        host.sizeLimit = Math.min(host.sizeLimit, bytes);
        return this;
      },
    };
  }

  private add(phase: SmtpPhase, middleware: FumiMiddleware, options: FumiMiddlewareOptions = {}): void {
    if (typeof middleware !== 'function') {
      throw new TypeError(`a plugin registered a ${phase} middleware that is not a function`);
    }
    this.registry.add({
      phase,
      server: this.server,
      priority: options.priority ?? 0,
      name: `plugin ${middleware.name || `#${++this.count}`}`,
      declaresNext: middleware.length >= 2,
      invoke: async (ctx: SmtpContext, next) => middleware(ctx, next),
    });
  }
}
