/** An SPF, DKIM, ARC or DMARC verdict keyword (RFC 8601). */
export type AuthResultKeyword = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';

/** SPF of the sender (or of the HELO name when the sender is null), decided at MAIL FROM. */
export interface SpfVerdict {
  readonly result: AuthResultKeyword;
  /** The domain checked. */
  readonly domain: string;
  /** Which identity was checked: the MAIL FROM domain, or the HELO name for a null sender. */
  readonly identity: 'mailfrom' | 'helo';
  readonly comment?: string;
  /** The `spf=…` clause of `Authentication-Results:`. */
  readonly info: string;
  /** Set when mailauth itself failed on this sender (a `permerror`): why. */
  readonly failure?: string;
}

/** One DKIM signature of the message. */
export interface DkimVerdict {
  readonly result: AuthResultKeyword;
  /** The signing domain (`d=`), when the signature could be read. */
  readonly domain?: string;
  readonly selector?: string;
  /** `rsa-sha256`, `ed25519-sha256`... */
  readonly algorithm?: string;
  /** The signing domain, when it aligns with the From domain. */
  readonly aligned?: string;
  readonly comment?: string;
  readonly info: string;
}

/** The ARC chain of a forwarded message. */
export interface ArcVerdict {
  readonly result: AuthResultKeyword;
  /** The highest ARC instance (`i=`), when there is a chain. */
  readonly instance?: number;
  readonly comment?: string;
  readonly info: string;
}

/** A DMARC policy (`p=`, or `sp=`/`np=` for a subdomain). */
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

/** DMARC of the From domain. */
export interface DmarcVerdict {
  readonly result: AuthResultKeyword;
  /** The From (author) domain. */
  readonly domain: string;
  /** The policy that applies to this message. */
  readonly policy: DmarcPolicy;
  /** The message failed under `p=quarantine`: the handler should file it as spam. */
  readonly quarantine: boolean;
  readonly comment?: string;
  readonly info: string;
}

/** A DNS blocklist that lists the client. */
export interface DnsblListing {
  readonly zone: string;
  /** The answer's addresses (`127.0.0.2`...), which say why on most lists. */
  readonly codes: readonly string[];
}

/**
 * What mail authentication found, so far in the session: `dnsbl` from connect, `spf` from MAIL
 * FROM, `dkim`, `arc` and `dmarc` once the message is in (for `@OnData()` handlers).
 */
export interface MailAuthResults {
  /** Lists that list the client; empty when none does or none was asked. */
  readonly dnsbl: readonly DnsblListing[];
  readonly spf?: SpfVerdict;
  /** One per DKIM-Signature of the message, up to `dmarc.maxSignatures`. */
  readonly dkim: readonly DkimVerdict[];
  /** DKIM-Signature fields past `dmarc.maxSignatures`, left unverified. */
  readonly dkimNotVerified: number;
  readonly arc?: ArcVerdict;
  readonly dmarc?: DmarcVerdict;
  /**
   * `Authentication-Results:` (RFC 8601) with the server's authserv-id, ending in CRLF: prepend
   * it to the stored message, next to `ctx.receivedHeader()`.
   */
  readonly header: string;
}
