import type { Duplex } from 'node:stream';
import type { SmtpConnection } from './smtp-connection.js';

/**
 * Decides on one command line before smtp-server runs it: `true` hands it on, `false` drops it
 * (the interceptor has answered or closed the connection). `verb` is upper-cased, `''` for an
 * empty line; `line` is the raw bytes without the line ending. A SASL continuation is no command
 * and is not shown.
 */
export type CommandInterceptor = (verb: string, line: Buffer) => boolean;

/** Called with each reply code, once the reply is written. */
export type ReplyObserver = (code: number) => void;

type Send = SmtpConnection['send'];
type OnCommand = SmtpConnection['_onCommand'];

/** A reply text that starts with its own RFC 3463 code, e.g. `5.7.1 Relay access denied`. */
const OWN_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;
const DOT = 0x2e;
/** The greeting, and STARTTLS's go-ahead, after which smtp-server hands the socket to TLS. */
const WRITE_AT_ONCE = 220;

/**
 * What the module puts between one smtp-server connection and its client: one plain object per
 * connection, read by two patched members shared by every connection, so that a connection
 * costs no closure per concern and a command or reply one call per patched member.
 */
export class ConnectionTap {
  /** Run newest first. */
  readonly interceptors: CommandInterceptor[] = [];
  readonly observers: ReplyObserver[] = [];
  /** Replies of one turn of the event loop go out in one write (see `batchReplies`). */
  batching = false;
  /** A reply text's own enhanced code wins over smtp-server's (see `keepOwnEnhancedCodes`). */
  ownEnhancedCodes = false;
  /** The socket corked for this turn's replies. */
  corked: Duplex | undefined = undefined;
  private send?: Send;
  private onCommand?: OnCommand;

  constructor(private readonly connection: SmtpConnection) {}

  /** Routes every reply of the connection through `tappedSend`. */
  tapReplies(): this {
    if (!this.send) {
      this.send = this.connection.send;
      this.connection.send = tappedSend;
    }
    return this;
  }

  /** Routes every command line of the connection through `tappedCommand`. */
  tapCommands(): this {
    if (!this.onCommand) {
      this.onCommand = this.connection._onCommand;
      this.connection._onCommand = tappedCommand;
    }
    return this;
  }

  /** @internal */
  sendNow(code: number, data: string | string[] | null | undefined, context: string | false | undefined): void {
    this.send!.call(this.connection, code, data, context);
  }

  /** @internal */
  runCommand(line: Buffer, callback: (() => void) | undefined): void {
    this.onCommand!.call(this.connection, line, callback);
  }
}

const kTap = Symbol('fumi.tap');
type TappedConnection = SmtpConnection & { [kTap]?: ConnectionTap };

/** The connection's tap, made on first use. */
export function tapOf(connection: SmtpConnection): ConnectionTap {
  return ((connection as TappedConnection)[kTap] ??= new ConnectionTap(connection));
}

function tappedSend(this: TappedConnection, code: number, data?: string | string[] | null, context?: string | false): void {
  const tap = this[kTap]!;
  if (tap.ownEnhancedCodes && typeof data === 'string' && data.charCodeAt(1) === DOT && OWN_ENHANCED_CODE.test(data)) context = false;
  if (tap.batching) holdForTurn(tap, this._socket, code);
  tap.sendNow(code, data, context);
  const observers = tap.observers;
  for (let i = 0; i < observers.length; i++) observers[i]!(code);
}

function tappedCommand(this: TappedConnection, line: Buffer, callback?: () => void): void {
  const tap = this[kTap]!;
  const interceptors = tap.interceptors;
  if (interceptors.length > 0 && !this._nextHandler) {
    const verb = commandVerb(line);
    for (let i = interceptors.length - 1; i >= 0; i--) {
      // Closed by the interceptor now: resuming the parser lets it drop what was pipelined behind.
      if (!interceptors[i]!(verb, line)) return callback?.();
    }
  }
  tap.runCommand(line, callback);
}

/** Corks the socket at a turn's first reply, until the turn ends; a 220 goes out at once. */
function holdForTurn(tap: ConnectionTap, socket: Duplex | undefined, code: number): void {
  if (code === WRITE_AT_ONCE || !socket) return flushTurn(tap);
  if (tap.corked === socket) return;
  flushTurn(tap);
  socket.cork();
  tap.corked = socket;
  corkedThisTurn.push(tap);
  if (corkedThisTurn.length === 1) setImmediate(flushAll);
}

/** Every connection corked in this turn: one `setImmediate` uncorks them all. */
let corkedThisTurn: ConnectionTap[] = [];

function flushAll(): void {
  const taps = corkedThisTurn;
  corkedThisTurn = [];
  for (const tap of taps) flushTurn(tap);
}

function flushTurn(tap: ConnectionTap): void {
  const socket = tap.corked;
  tap.corked = undefined;
  if (socket && socket.writableCorked > 0) socket.uncork();
}

/** The command's verb, upper-cased (`''` for an empty line). */
function commandVerb(line: Buffer): string {
  const space = line.indexOf(0x20);
  return line.toString('latin1', 0, space === -1 ? Math.min(line.length, 16) : Math.min(space, 16)).toUpperCase();
}
