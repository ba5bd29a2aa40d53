import type { SmtpConnection } from './smtp-connection.js';

/**
 * Decides whether an AUTH command may start its SASL exchange: resolves `true` to let
 * smtp-server's own AUTH handling run, `false` once the gate has answered the client itself.
 */
export type AuthGate = () => Promise<boolean>;

/**
 * Runs `gate` before smtp-server prompts for credentials on every AUTH command of the
 * connection. smtp-server looks the command's handler (`handler_AUTH`) up on the connection per
 * command, so a wrapper set on the instance sees each one; the SASL decoding stays smtp-server's.
 * `onError` answers the client when the gate itself fails.
 *
 * Upstream hook that would replace it: an `onAuthStart(session, method, callback)` server option.
 */
export function gateAuth(connection: SmtpConnection, gate: AuthGate, onError: () => void): void {
  const saslExchange = connection.handler_AUTH;
  connection.handler_AUTH = (command: Buffer, callback: () => void) => {
    // smtp-server catches what its handlers throw synchronously; this one continues
    // asynchronously, so it answers for itself, and smtp-server's callback runs once.
    let answered = false;
    const done = () => {
      if (answered) return;
      answered = true;
      callback();
    };
    gate()
      .then((proceed) => (proceed ? saslExchange.call(connection, command, done) : done()))
      .catch(() => {
        if (answered) return;
        onError();
        done();
      });
  };
}
