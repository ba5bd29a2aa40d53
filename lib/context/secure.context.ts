import type { TLSSocket } from 'node:tls';
import type { FumiSession } from '../server/fumi-session.js';
import { SmtpContext } from './smtp.context.js';

/** What a TLS handshake settled on. */
export interface TlsDetails {
  /** e.g. `TLSv1.3` */
  readonly protocol: string | null;
  /** e.g. `TLS_AES_256_GCM_SHA384` */
  readonly cipher: string;
  /** The SNI name the client asked for, if any. */
  readonly servername: string | undefined;
  /** The client certificate was verified against `ca` (when one was requested). */
  readonly authorized: boolean;
}

/** `@OnSecure()`: the TLS handshake (STARTTLS or implicit TLS) has completed. */
export class SecureContext<TState extends object = Record<string, unknown>, TUser = unknown> extends SmtpContext<
  TState,
  TUser
> {
  readonly phase = 'secure' as const;
  readonly tls: TlsDetails;

  constructor(
    session: FumiSession<TState, TUser>,
    /** The encrypted socket, e.g. for `getPeerCertificate()`. */
    readonly socket: TLSSocket,
  ) {
    super(session);
    const servername = (socket as TLSSocket & { servername?: string | false }).servername;
    this.tls = {
      protocol: socket.getProtocol(),
      cipher: socket.getCipher()?.name ?? '',
      servername: servername || undefined,
      authorized: socket.authorized,
    };
  }
}
