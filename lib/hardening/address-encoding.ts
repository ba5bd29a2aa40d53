import { isAscii, isUtf8 } from 'node:buffer';
import { REPLIES, type CannedReply } from '../fumi.messages.js';
import { interceptCommands, type SmtpConnection } from '../smtp-server/index.js';

/** The MAIL FROM parameters (after the address) include `SMTPUTF8` (RFC 6531 §3.4). */
function asksForSmtpUtf8(line: Buffer): boolean {
  const text = line.toString('latin1');
  return /(?:^|\s)SMTPUTF8(?:\s|$)/i.test(text.slice(text.lastIndexOf('>') + 1));
}

/**
 * Refuses MAIL FROM and RCPT TO lines whose bytes are not valid UTF-8 (`501 5.1.7` for the
 * sender, `501 5.1.3` for a recipient), and non-ASCII addresses in a transaction whose MAIL FROM
 * did not ask for SMTPUTF8 (`553 5.6.7`, RFC 6531 §3.5). smtp-server decodes each line before
 * anything else sees it, turning invalid bytes into U+FFFD, so the raw line is checked first.
 */
export function refuseMalformedAddresses(connection: SmtpConnection, refuse: (reply: CannedReply) => void): void {
  let smtpUtf8 = false;
  interceptCommands(connection, (verb, line) => {
    if (verb !== 'MAIL' && verb !== 'RCPT') return true;
    if (verb === 'MAIL') smtpUtf8 = asksForSmtpUtf8(line);
    if (isAscii(line)) return true;
    let refusal: CannedReply | undefined;
    if (!isUtf8(line)) refusal = verb === 'MAIL' ? REPLIES.senderNotUtf8 : REPLIES.recipientNotUtf8;
    else if (!smtpUtf8) refusal = REPLIES.smtpUtf8Required;
    if (!refusal) return true;
    refuse(refusal);
    return false;
  });
}
