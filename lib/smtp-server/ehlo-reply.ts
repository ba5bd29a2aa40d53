import type { SmtpConnection } from './smtp-connection.js';

/** Returns the EHLO keywords to advertise (`AUTH PLAIN LOGIN`, `STARTTLS`, …) from smtp-server's. */
export type EhloShaper = (keywords: string[]) => string[];

/**
 * Lets `shape` edit the keywords of every EHLO (and LHLO) reply of the connection. smtp-server
 * builds the reply in `handler_EHLO`, looked up on the connection per command, and sends it
 * synchronously as one multi-line 250: the wrapper catches that one `send()`.
 *
 * Upstream hook that would replace it: an `onEhlo(session, keywords)` server option.
 */
export function shapeEhloReply(connection: SmtpConnection, shape: EhloShaper): void {
  const ehlo = connection.handler_EHLO;
  connection.handler_EHLO = function (this: SmtpConnection, command: Buffer, callback: () => void) {
    const send = this.send;
    this.send = function (this: SmtpConnection, code, data, context) {
      if (code === 250 && Array.isArray(data)) {
        const [greeting, ...keywords] = data as string[];
        return send.call(this, code, [greeting!, ...shape(keywords)], context);
      }
      return send.call(this, code, data, context);
    };
    try {
      ehlo.call(this, command, callback);
    } finally {
      this.send = send;
    }
  };
}
