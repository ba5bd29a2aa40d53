import { Logger } from '@nestjs/common';
import { clientAddressKey } from '../auth/client-address-key.js';
import type { FumiSession } from '../server/fumi-session.js';
import { REPLIES } from '../fumi.messages.js';
import type { FumiClientLimits, RateLimit } from '../options/fumi-client-limits.interface.js';
import type { ResolvedClientLimits } from '../server/resolved-server-options.js';
import type { FumiPlugin } from '../plugins/fumi-plugin.interface.js';
import { IpRangeList } from '../plugins/ip-range-list.js';
import { SmtpException } from '../exceptions/smtp.exception.js';

export const DEFAULT_CLIENT_LIMITS = {
  connectionsPerAddress: 50,
  connectionRate: false,
  messageRate: false,
  exempt: ['127.0.0.0/8', '::1'],
} as const satisfies FumiClientLimits;

const refuse = (text: string) => new SmtpException(text, REPLIES.clientLimit.code, REPLIES.clientLimit.enhanced);

/**
 * Enforces `FumiClientLimits` first thing in the connect and MAIL FROM chains. Concurrency is
 * counted here; rates go through the `CounterStore`, and a store that fails lets the client
 * through (with a warning) rather than refusing everyone.
 */
export function clientLimits(limits: ResolvedClientLimits, server: string): FumiPlugin {
  const logger = new Logger(`FumiServer:${server}`);
  const store = limits.store;
  const exempt = new IpRangeList(limits.exempt);
  const maxOpen = limits.connectionsPerAddress;
  const open = new Map<string, number>();
  const counted = new WeakMap<FumiSession, string>();

  const overRate = async (kind: string, key: string, rate: RateLimit | false): Promise<boolean> => {
    if (!rate) return false;
    try {
      return (await store.increment(`fumi:${kind}:${key}`, rate.window)).count > rate.max;
    } catch (error) {
      logger.warn(`client limit store failed (${kind}); letting ${key} through: ${(error as Error).message}`);
      return false;
    }
  };
  const outermost = { priority: Number.MAX_SAFE_INTEGER };

  return (app) => {
    app.onConnect(async function clientLimits(ctx) {
      const { session } = ctx;
      if (exempt.matches(session.remoteAddress)) return;
      const key = clientAddressKey(session.remoteAddress);
      if (maxOpen) {
        const count = (open.get(key) ?? 0) + 1;
        open.set(key, count);
        counted.set(session, key);
        if (count > maxOpen) throw refuse(REPLIES.clientLimit.tooManyConnections);
      }
      if (await overRate('connections', key, limits.connectionRate)) throw refuse(REPLIES.clientLimit.connectionRate);
    }, outermost);

    app.onMailFrom(async function clientLimits(ctx) {
      if (exempt.matches(ctx.session.remoteAddress)) return;
      if (await overRate('messages', clientAddressKey(ctx.session.remoteAddress), limits.messageRate)) {
        throw refuse(REPLIES.clientLimit.messageRate);
      }
    }, outermost);

    app.onClose(function clientLimits(ctx) {
      const key = counted.get(ctx.session);
      if (key === undefined) return;
      counted.delete(ctx.session);
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    }, outermost);
  };
}
