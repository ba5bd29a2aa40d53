import type { FumiSession } from '../server/fumi-session.js';

export interface ReceivedHeaderOptions {
  /** The date of receipt; now by default. */
  readonly date?: Date;
  /** Name `for <recipient>` even with several recipients (leaks the others' existence). Default: only when there is one. */
  readonly for?: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 §3.3 date-time, in UTC. */
export function rfc5322Date(date: Date): string {
  return (
    `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** Only what is safe in a header comment or domain: no CR, LF, parentheses or brackets from the client. */
const clean = (value: string) => value.replace(/[\r\n()[\]\\]/g, '');

/**
 * `Received: from <helo> (<reverse dns> [<ip>]) by <us> with <protocol> id <id>; <date>`
 * (RFC 5321 §4.4, protocols from RFC 3848), folded over several lines as MTAs do.
 */
export function buildReceivedHeader(session: FumiSession<object, unknown>, options: ReceivedHeaderOptions = {}): string {
  const helo = clean(session.clientHostname ?? 'unknown');
  const reverse = session.reverseHostname && !session.reverseHostname.startsWith('[') ? `${clean(session.reverseHostname)} ` : '';
  const ip = session.remoteAddress.includes(':') ? `IPv6:${session.remoteAddress}` : session.remoteAddress;
  const lines = [`Received: from ${helo} (${reverse}[${ip}])`, `\tby ${clean(session.server.hostname)} with ${session.transmissionType} id ${session.id}`];
  if (session.tls) lines.push(`\t(using ${session.tls.version} with cipher ${session.tls.name})`);
  const recipients = session.envelope.rcptTo;
  const recipient = options.for ?? (recipients.length === 1 ? recipients[0]!.address : undefined);
  const date = rfc5322Date(options.date ?? new Date());
  lines.push(recipient === undefined ? `\t; ${date}` : `\tfor <${clean(recipient)}>; ${date}`);
  return `${lines.join('\r\n')}\r\n`;
}
