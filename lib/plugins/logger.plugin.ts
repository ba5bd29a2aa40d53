import { Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import type { SmtpContext } from '../context/smtp.context.js';
import type { FumiSession } from '../server/fumi-session.js';
import { toSmtpReply } from '../execution/smtp-reply.mapper.js';
import type { FumiPlugin } from './fumi-plugin.interface.js';
import { OUTERMOST_PRIORITY, type PluginPriorityOptions } from './reply-options.interface.js';

export interface SmtpLoggerOptions extends PluginPriorityOptions {
  /** Nest log level of the lines. Default `'log'`. */
  level?: Exclude<LogLevel, 'fatal'>;
  /** Logger context. Default `'SMTP'`. */
  context?: string;
  /** Where lines go. Default a Nest `Logger`. */
  logger?: LoggerService;
}

interface Transaction {
  readonly started: number;
  readonly from: string;
  readonly to: string[];
  readonly refused: string[];
}

interface ConnectionLog {
  readonly started: number;
  transactions: number;
  current?: Transaction;
}

/** `key=value` pairs; values with spaces or quotes are quoted, so lines stay machine-readable. */
function format(fields: Record<string, string | number | undefined>): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => {
      const text = String(value);
      return /[\s"=]/.test(text) ? `${key}=${JSON.stringify(text)}` : `${key}=${text}`;
    })
    .join(' ');
}

const codeOf = (error: unknown) => toSmtpReply(error).exception.responseCode;

/**
 * fumi's `logger()`: one structured line per transaction (session id, client, EHLO name, sender,
 * recipients, size, reply, duration) and one per connection, through Nest's logger. It runs at
 * `OUTERMOST_PRIORITY` unless given a `priority`, so it sees what the other plugins refuse.
 *
 * @example
 * FumiModule.forRoot({ plugins: [logger({ level: 'debug' })] })
 */
export function logger(options: SmtpLoggerOptions = {}): FumiPlugin {
  const out = options.logger ?? new Logger(options.context ?? 'SMTP');
  const level = options.level ?? 'log';
  const write = (line: string) => (out[level] ?? out.log).call(out, line);
  const connections = new WeakMap<FumiSession, ConnectionLog>();
  const stateOf = (session: FumiSession): ConnectionLog => {
    let state = connections.get(session);
    if (!state) connections.set(session, (state = { started: Date.now(), transactions: 0 }));
    return state;
  };
  const base = (ctx: SmtpContext) => ({
    session: ctx.session.id,
    client: ctx.session.remoteAddress,
    helo: ctx.session.clientHostname,
  });
  const logTransaction = (ctx: SmtpContext, state: ConnectionLog, reply: string, size?: number) => {
    const tx = state.current;
    if (!tx) return;
    state.current = undefined;
    state.transactions++;
    write(
      format({
        ...base(ctx),
        from: `<${tx.from}>`,
        to: tx.to.map((a) => `<${a}>`).join(','),
        refused: tx.refused.join(','),
        size,
        reply,
        duration: `${Date.now() - tx.started}ms`,
      }),
    );
  };
  const outermost = { priority: options.priority ?? OUTERMOST_PRIORITY };

  return (app) => {
    app.onConnect(async function smtpLogger(ctx, next) {
      stateOf(ctx.session);
      try {
        await next();
      } catch (error) {
        write(format({ ...base(ctx), event: 'refused', reply: codeOf(error) }));
        throw error;
      }
    }, outermost);
    app.onMailFrom(async function smtpLogger(ctx, next) {
      const state = stateOf(ctx.session);
      logTransaction(ctx, state, 'abandoned');
      try {
        await next();
        state.current = { started: Date.now(), from: ctx.address.address, to: [], refused: [] };
      } catch (error) {
        write(format({ ...base(ctx), from: `<${ctx.address.address}>`, reply: codeOf(error), at: 'MAIL' }));
        throw error;
      }
    }, outermost);
    app.onRcptTo(async function smtpLogger(ctx, next) {
      const tx = stateOf(ctx.session).current;
      try {
        await next();
        tx?.to.push(ctx.address.address);
      } catch (error) {
        tx?.refused.push(`<${ctx.address.address}>:${codeOf(error)}`);
        throw error;
      }
    }, outermost);
    app.onData(async function smtpLogger(ctx, next) {
      const state = stateOf(ctx.session);
      try {
        await next();
        logTransaction(ctx, state, ctx.sizeExceeded ? '552' : '250', ctx.byteLength);
      } catch (error) {
        logTransaction(ctx, state, String(codeOf(error)), ctx.byteLength);
        throw error;
      }
    }, outermost);
    app.onClose(function smtpLogger(ctx) {
      const state = stateOf(ctx.session);
      logTransaction(ctx, state, 'abandoned');
      write(
        format({ ...base(ctx), event: 'close', transactions: state.transactions, duration: `${Date.now() - state.started}ms` }),
      );
    }, outermost);
  };
}
