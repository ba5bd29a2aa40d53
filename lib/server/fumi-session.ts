import { type ContextId, ContextIdFactory } from '@nestjs/core';
import type { CipherNameAndProtocol } from 'node:tls';
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import type { SmtpAddress, SmtpEnvelope } from '../context/smtp-address.interface.js';

/** What a session knows of the server that accepted it. */
export interface FumiServerInfo {
  /** The server's name, `'default'` unless `forRoot({ name })` gave one. */
  readonly name: string;
  /** The host name the server greets with (smtp-server's `name` option, else the OS host name). */
  readonly hostname: string;
  /** The server speaks LMTP (`lmtp: true`). */
  readonly lmtp: boolean;
  /** The server offers AUTH; a guard that denies an unauthenticated client then answers 530. */
  readonly authEnabled: boolean;
}

/** Bookkeeping the module keeps on a session; not part of the public API. */
export const kRuntime = Symbol('fumi.runtime');

export interface SessionRuntime {
  /** The sender of a MAIL FROM whose chain is running: visible before smtp-server stores it. */
  pendingSender?: SMTPServerAddress;
  /** The DI sub-tree of request-scoped handlers, created on first use and dropped with the session. */
  contextId?: ContextId;
  /** What request-scoped handlers keep per connection (instances, pipelines), by slot: see `FumiContextCreator`. */
  scoped?: unknown[];
  /** Drops `contextId` and `scoped` once the connection is over; set with `contextId`. */
  releaseContext?: (runtime: SessionRuntime) => void;
  /** Set once `contextId` was dropped: a later lookup of the session's context opens a new one. */
  reopenContext?: (session: FumiSession) => ContextId;
  /** A phase chain is running: shutdown lets it finish. */
  busy: boolean;
  /**
   * What still needs the connection's DI sub-tree: the connection while it is open, and each of
   * its chains started and not settled yet (one that outlived its timeout included).
   */
  holds: number;
}

/**
 * Where `toSmtpAddress` keeps an address's normalized form: on smtp-server's own address object,
 * under a symbol (invisible to its keys and to JSON), so that it goes with the address rather
 * than adding a WeakMap entry for every MAIL FROM and RCPT TO.
 */
const kNormalized = Symbol('fumi.address');
const NO_ARGS: Readonly<Record<string, string | true>> = Object.freeze({});

type CachingAddress = SMTPServerAddress & { [kNormalized]?: SmtpAddress };

/**
 * smtp-server gives `args: false` when a command had no parameters; ours is always an object.
 * The same raw address always gives the same object.
 */
export function toSmtpAddress(raw: SMTPServerAddress): SmtpAddress {
  const cache = raw as CachingAddress;
  return (cache[kNormalized] ??= Object.freeze({
    address: raw.address,
    args: raw.args ? Object.freeze({ ...raw.args }) : NO_ARGS,
    ...(raw.dsn ? { dsn: raw.dsn } : {}),
  }));
}

/**
 * One SMTP connection, the same object in every phase, from connect to close.
 *
 * Fields are read live from smtp-server, so each phase sees the connection as it is now
 * (`secure` after STARTTLS, `user` after AUTH). Keep your own data in `state`.
 *
 * @typeParam TState your per-connection data, e.g. `{ role: 'admin' | 'user' }`
 * @typeParam TUser what your `@OnAuth()` handler passes to `ctx.accept(user)`
 */
export class FumiSession<TState extends object = Record<string, unknown>, TUser = unknown> {
  /** Per-connection data of your own, carried across phases (e.g. a role set in onAuth). */
  readonly state = {} as TState;

  /** @internal */
  readonly [kRuntime]: SessionRuntime = { busy: false, holds: 1 };

  constructor(
    /** The smtp-server session behind this one, for what the module does not expose. */
    readonly raw: SMTPServerSession,
    /** The server that accepted the connection. */
    readonly server: FumiServerInfo,
  ) {}

  /** Unique per connection. */
  get id(): string {
    return this.raw.id;
  }

  /** The client's IP address (the real client's behind a PROXY-protocol load balancer). */
  get remoteAddress(): string {
    return this.raw.remoteAddress;
  }

  get remotePort(): number {
    return this.raw.remotePort;
  }

  get localAddress(): string {
    return this.raw.localAddress;
  }

  get localPort(): number {
    return this.raw.localPort;
  }

  /**
   * The name the client gave in EHLO/HELO (smtp-server's `hostNameAppearsAs`).
   * `undefined` until the client has greeted, so always in `onConnect`.
   */
  get clientHostname(): string | undefined {
    return this.raw.hostNameAppearsAs || undefined;
  }

  /**
   * The reverse-DNS name of `remoteAddress`, or the address as an `[ip]` literal
   * (smtp-server's `clientHostname`). `undefined` while the lookup runs or when disabled.
   */
  get reverseHostname(): string | undefined {
    return this.raw.clientHostname || undefined;
  }

  /** `'EHLO'`, `'HELO'` or `'LHLO'`; `undefined` until the client has greeted (so in `onConnect`). */
  get openingCommand(): 'EHLO' | 'HELO' | 'LHLO' | undefined {
    return (this.raw.openingCommand || undefined) as 'EHLO' | 'HELO' | 'LHLO' | undefined;
  }

  /** `true` on implicit TLS and after STARTTLS. */
  get secure(): boolean {
    return this.raw.secure;
  }

  /** Cipher and protocol of the TLS connection; `undefined` in cleartext. */
  get tls(): CipherNameAndProtocol | undefined {
    return this.raw.tlsOptions || undefined;
  }

  /** The SNI name the client asked for on a TLS connection. */
  get servername(): string | undefined {
    return this.raw.servername || undefined;
  }

  /** Set by `ctx.accept(user)` in `onAuth`; `undefined` when the client did not authenticate. */
  get user(): TUser | undefined {
    return (this.raw.user || undefined) as TUser | undefined;
  }

  /** 1 for the first mail transaction of the connection, then 2, ... */
  get transaction(): number {
    return this.raw.transaction;
  }

  /**
   * The protocol for a `Received:` header, as it is now: `SMTP`, `ESMTP`, `ESMTPS`, `ESMTPSA`,
   * `LMTP`, ... (RFC 3848).
   */
  get transmissionType(): string {
    let type = this.server.lmtp ? 'LMTP' : 'SMTP';
    if (this.openingCommand === 'EHLO' || this.openingCommand === 'LHLO') {
      type = this.server.lmtp ? 'LMTP' : 'ESMTP';
    }
    if (this.secure) type += 'S';
    if (this.user !== undefined) type += 'A';
    return type;
  }

  /** The current transaction: the sender is visible from the start of `onMailFrom`. */
  get envelope(): SmtpEnvelope {
    const raw = this.raw.envelope;
    const sender = this[kRuntime].pendingSender ?? (raw?.mailFrom || undefined);
    return {
      mailFrom: sender ? toSmtpAddress(sender) : undefined,
      rcptTo: raw ? raw.rcptTo.map(toSmtpAddress) : [],
      bodyType: raw?.bodyType ?? '7bit',
      smtpUtf8: raw?.smtpUtf8 ?? false,
      requireTLS: raw?.requireTLS ?? false,
      ...(raw?.dsn ? { dsn: raw.dsn } : {}),
    };
  }
}

/**
 * The key under which `ContextIdFactory.getByRequest(request)` finds a request's context id.
 * Nest exports it only from its internal entry point, so it is taken from what the public
 * `getByRequest()` reads: a key whose value it returns as the context id.
 */
const REQUEST_CONTEXT_ID_KEY = ((): symbol | undefined => {
  const marker = { id: -1 };
  let key: symbol | undefined;
  const probe = new Proxy(
    {},
    {
      get: (_target, property) => {
        if (typeof property !== 'symbol' || (key ?? property) !== property) return undefined;
        key = property;
        return marker;
      },
    },
  );
  return ContextIdFactory.getByRequest(probe, []) === marker ? key : undefined;
})();

if (REQUEST_CONTEXT_ID_KEY) {
  /**
   * The connection's DI context id, where `ContextIdFactory.getByRequest(session)` looks for it
   * (as on an HTTP request Nest's router has marked), so that code which was not injected a
   * request-scoped provider resolves the connection's own. On the prototype, not set per
   * connection: every session keeps one hidden class.
   */
  Object.defineProperty(FumiSession.prototype, REQUEST_CONTEXT_ID_KEY, {
    get(this: FumiSession): ContextId | undefined {
      const runtime = this[kRuntime];
      return runtime.contextId ?? runtime.reopenContext?.(this);
    },
  });
}
