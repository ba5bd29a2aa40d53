import type { AuthContext } from '../context/auth.context.js';
import type { CloseContext } from '../context/close.context.js';
import type { ConnectContext } from '../context/connect.context.js';
import type { DataContext } from '../context/data.context.js';
import type { MailFromContext } from '../context/mail-from.context.js';
import type { RcptToContext } from '../context/rcpt-to.context.js';
import type { SecureContext } from '../context/secure.context.js';
import type { NextFunction, SmtpContext } from '../context/smtp.context.js';

/**
 * fumi-style middleware: `(ctx, next)`. Taking `next` means deciding when (and whether) the rest
 * of the chain runs; a middleware that takes only `ctx` is followed by the rest when it returns.
 */
export type FumiMiddleware<C extends SmtpContext = SmtpContext> = (ctx: C, next: NextFunction) => unknown;

export interface FumiMiddlewareOptions {
  /** As on the decorators: higher runs earlier (default 0); at equal priority plugins come first. */
  priority?: number;
}

/**
 * What a plugin is given: fumi's `app`, for one server. Middleware registered here runs in the
 * same chains as decorated handlers, without Nest's enhancers (it has no class to hang them on).
 */
export interface FumiPluginApi {
  /** The server the plugin is installed on. */
  readonly server: string;
  onConnect(middleware: FumiMiddleware<ConnectContext>, options?: FumiMiddlewareOptions): this;
  onSecure(middleware: FumiMiddleware<SecureContext>, options?: FumiMiddlewareOptions): this;
  onAuth(middleware: FumiMiddleware<AuthContext>, options?: FumiMiddlewareOptions): this;
  onMailFrom(middleware: FumiMiddleware<MailFromContext>, options?: FumiMiddlewareOptions): this;
  onRcptTo(middleware: FumiMiddleware<RcptToContext>, options?: FumiMiddlewareOptions): this;
  onData(middleware: FumiMiddleware<DataContext>, options?: FumiMiddlewareOptions): this;
  onClose(middleware: FumiMiddleware<CloseContext>, options?: FumiMiddlewareOptions): this;
  /** Installs another plugin (fumi's `app.use(plugin)`). */
  use(plugin: FumiPlugin): this;
  /**
   * Caps the message size: the server advertises and enforces the smaller of this and its `size`
   * option, so a size plugin never disagrees with the `SIZE` the client was told.
   */
  limitSize(bytes: number): this;
}

/**
 * A fumi plugin: a function that registers middleware. Give plugins to
 * `FumiModule.forRoot({ plugins: [...] })`.
 *
 * @example
 * const tagSender: FumiPlugin = (app) => {
 *   app.onMailFrom(async (ctx, next) => {
 *     ctx.session.state.tagged = true;
 *     await next();
 *   });
 * };
 */
export type FumiPlugin = (app: FumiPluginApi) => void;
