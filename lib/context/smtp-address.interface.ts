/**
 * An address from `MAIL FROM` or `RCPT TO` with the command's parameters.
 *
 * @example `MAIL FROM:<a@example.test> SIZE=1234 BODY=8BITMIME` gives
 * `{ address: 'a@example.test', args: { SIZE: '1234', BODY: '8BITMIME' } }`.
 */
export interface SmtpAddress {
  /** The mailbox, an empty string for the null sender `<>`. */
  readonly address: string;
  /** Parameters by upper-case keyword; a keyword without a value is `true`. `{}` when none. */
  readonly args: Readonly<Record<string, string | true>>;
  /** DSN parameters of a recipient (`NOTIFY`, `ORCPT`) when the DSN extension is enabled. */
  readonly dsn?: { readonly notify?: readonly string[]; readonly orcpt?: string };
}

/** The envelope of the current mail transaction. */
export interface SmtpEnvelope {
  /** The sender; set from the start of `onMailFrom` on, `undefined` before MAIL FROM. */
  readonly mailFrom: SmtpAddress | undefined;
  /** Recipients accepted so far; the one being checked in `onRcptTo` is `ctx.address`. */
  readonly rcptTo: readonly SmtpAddress[];
  /** `7bit` or `8bitmime` (RFC 6152). */
  readonly bodyType: string;
  /** The client asked for SMTPUTF8 (RFC 6531). */
  readonly smtpUtf8: boolean;
  /** The client asked for REQUIRETLS (RFC 8689). */
  readonly requireTLS: boolean;
  /** `RET` and `ENVID` of MAIL FROM when the DSN extension is enabled (`hideDSN: false`). */
  readonly dsn?: { readonly ret: string | null; readonly envid: string | null };
}
