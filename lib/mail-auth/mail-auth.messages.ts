/** What mail authentication logs. */
export const MAIL_AUTH_LOG = {
  spfFailed: (session: string, reason: string) => `session ${session}: SPF could not be evaluated (recorded as permerror): ${reason}`,
  messageFailed: (session: string, reason: string) =>
    `session ${session}: DKIM/ARC/DMARC could not be evaluated (recorded as permerror): ${reason}`,
} as const;

/** The replies mail authentication gives, in one place. */
export const MAIL_AUTH_REPLIES = {
  dnsblListed: (ip: string, zone: string) => `Service unavailable; client [${ip}] blocked using ${zone}`,
  spfFail: (domain: string, ip: string) => `SPF check failed: ${domain} does not designate ${ip} as a permitted sender`,
  spfTemperror: (domain: string) => `Temporary DNS failure checking SPF for ${domain}; try again later`,
  dmarcReject: (domain: string) => `Message rejected: it fails the DMARC policy of ${domain} (p=reject)`,
  dmarcTemperror: (domain: string) =>
    `Temporary DNS failure checking DKIM/DMARC${domain ? ` for ${domain}` : ''}; try again later`,
  greylisted: (seconds: number) => `Greylisted: please try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
} as const;
