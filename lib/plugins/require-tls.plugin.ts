import { SmtpException } from '../exceptions/smtp.exception.js';
import type { FumiPlugin } from './fumi-plugin.interface.js';
import { OUTERMOST_PRIORITY, type PluginReplyOptions } from './reply-options.interface.js';

/**
 * fumi's `requireTls()`: MAIL FROM before STARTTLS gets `530 5.7.0`, on the server it is
 * installed on. (Implicit-TLS connections are secure from the start.) It runs at
 * `OUTERMOST_PRIORITY` unless given a `priority`.
 */
export function requireTls(options: PluginReplyOptions = {}): FumiPlugin {
  const {
    message = 'Must issue a STARTTLS command first',
    code = 530,
    enhancedCode = '5.7.0',
    priority = OUTERMOST_PRIORITY,
  } = options;
  return (app) => {
    app.onMailFrom(
      function requireTls(ctx) {
        if (!ctx.session.secure) throw new SmtpException(message, code, enhancedCode);
      },
      { priority },
    );
  };
}
