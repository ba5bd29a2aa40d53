import type { OutgoingHttpHeaders } from 'node:http';
import { domainToASCII } from 'node:url';
import type { DataContext } from '../context/data.context.js';

/** What an HTTP header value may carry as is: printable ASCII. */
const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * The headers rspamd reads an MTA's knowledge from (`IP`, `Helo`, `Hostname`, `From`, `Rcpt`
 * once per recipient, `User`, `Queue-Id`), with the body's `Content-Length`. Values that are not
 * ASCII are put in a form rspamd 3.4 reads (an IDN domain as punycode) or left out, since HTTP
 * header values are bytes without a charset; rspamd then falls back on the message's own headers.
 */
export function rspamdRequestHeaders(ctx: DataContext<object, unknown>): OutgoingHttpHeaders {
  const { session } = ctx;
  const { mailFrom, rcptTo } = session.envelope;
  const headers: OutgoingHttpHeaders = {
    'Content-Length': String(ctx.byteLength),
    IP: session.remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, ''),
    'Queue-Id': session.id,
  };
  const helo = session.clientHostname && asciiHostname(session.clientHostname);
  if (helo) headers.Helo = helo;
  // smtp-server's `[ip]` literal says the lookup found nothing: rspamd takes its absence as that
  const reverse = session.reverseHostname && !session.reverseHostname.startsWith('[') && asciiHostname(session.reverseHostname);
  if (reverse) headers.Hostname = reverse;
  const from = mailFrom?.address && asciiAddress(mailFrom.address);
  if (from) headers.From = from;
  const recipients = rcptTo.map((recipient) => asciiAddress(recipient.address)).filter((address) => address !== undefined);
  if (recipients.length) headers.Rcpt = recipients;
  const user = session.user === undefined ? undefined : describeUser(session.user);
  if (user && PRINTABLE.test(user)) headers.User = user;
  return headers;
}

/** An address as rspamd 3.4 reads it from a header: its domain as punycode; `undefined` when its local part is not ASCII. */
export function asciiAddress(address: string): string | undefined {
  if (PRINTABLE.test(address)) return address;
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = address.slice(0, at);
  const domain = domainToASCII(address.slice(at + 1));
  return PRINTABLE.test(local) && domain ? `${local}@${domain}` : undefined;
}

function asciiHostname(name: string): string | undefined {
  if (PRINTABLE.test(name)) return name;
  return domainToASCII(name) || undefined;
}

/** A user as a short string: objects by their usual identifying field, never serialized whole. */
function describeUser(user: unknown): string {
  if (typeof user === 'object' && user !== null) {
    const { id, username, name } = user as Record<string, unknown>;
    return String(id ?? username ?? name ?? '');
  }
  return String(user);
}
