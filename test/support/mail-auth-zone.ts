import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { dkimSign, sealMessage } from 'mailauth';
import { startDnsServer, txt, type TestDnsServer } from './dns-server.js';

/** A signing key and the DKIM TXT record that publishes it. */
export interface TestDkimKey {
  readonly privateKey: string;
  readonly record: string;
}

const spkiBase64 = (key: KeyObject) => key.export({ format: 'der', type: 'spki' }).toString('base64');

export function rsaKey(bits = 2048): TestDkimKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), record: `v=DKIM1; k=rsa; p=${spkiBase64(publicKey)}` };
}

/** RFC 8463: the record holds the raw 32-byte public key, the last bytes of its SPKI form. */
export function ed25519Key(): TestDkimKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  return { privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), record: `v=DKIM1; k=ed25519; p=${raw}` };
}

/** The keys the zone publishes, made once per test file. */
export interface MailAuthKeys {
  readonly rsa: TestDkimKey;
  readonly ed25519: TestDkimKey;
  readonly forwarder: TestDkimKey;
}

export const makeKeys = (): MailAuthKeys => ({ rsa: rsaKey(), ed25519: ed25519Key(), forwarder: rsaKey() });

/**
 * The `test.` zone: one domain per SPF result and DMARC policy, DKIM keys, SPF records that
 * loop, exceed the lookup limit or cannot be checked, and the blocklist `bl.test`, which lists 127.0.0.1.
 */
export function mailAuthZone(keys: MailAuthKeys): string[] {
  const chain = Array.from({ length: 12 }, (_, i) => `d${i} TXT "v=spf1 include:d${i + 1}.test -all"`);
  return [
    'pass TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    `rsa._domainkey.pass TXT ${txt(keys.rsa.record)}`,
    `ed._domainkey.pass TXT ${txt(keys.ed25519.record)}`,
    '_dmarc.pass TXT "v=DMARC1; p=reject"',
    'fail TXT "v=spf1 ip4:192.0.2.0/24 -all"',
    '_dmarc.fail TXT "v=DMARC1; p=reject"',
    'softfail TXT "v=spf1 ip4:192.0.2.0/24 ~all"',
    'neutral TXT "v=spf1 ?all"',
    'permerror TXT "v=spf1 bogus:example -all"',
    'quarantine TXT "v=spf1 ip4:192.0.2.0/24 ~all"',
    '_dmarc.quarantine TXT "v=DMARC1; p=quarantine"',
    'relaxed TXT "v=spf1 ip4:192.0.2.0/24 ~all"',
    '_dmarc.relaxed TXT "v=DMARC1; p=none"',
    'loop TXT "v=spf1 include:loop.test -all"',
    // a name outside the zone: this server refuses it, so the SPF check is a temperror
    'spftemp TXT "v=spf1 include:elsewhere.invalid -all"',
    '_dmarc.spftemp TXT "v=DMARC1; p=reject"',
    'spftempnone TXT "v=spf1 include:elsewhere.invalid -all"',
    '_dmarc.spftempnone TXT "v=DMARC1; p=none"',
    ...chain,
    'd12 TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    'forwarder TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    `arc._domainkey.forwarder TXT ${txt(keys.forwarder.record)}`,
    '1.0.0.127.bl A 127.0.0.2',
    '1.0.0.127.bl TXT "listed for testing"',
  ];
}

/** A plain message from `from`, with CRLF line endings. */
export function message(from: string, subject = 'Hello', body = 'Hello there.\r\n'): string {
  return [
    `From: <${from}>`,
    'To: <inbox@mx.example.test>',
    `Subject: ${subject}`,
    'Date: Mon, 07 Dec 2026 12:00:00 +0000',
    `Message-ID: <${Math.random().toString(36).slice(2)}@test>`,
    '',
    body,
  ].join('\r\n');
}

/** `raw` with a DKIM-Signature of `domain` (selector `selector`) prepended. */
export async function signed(raw: string, domain: string, selector: string, key: TestDkimKey): Promise<string> {
  // mailauth signs only what `signatureData` lists, though its types ask for the fields at the top
  const options = { canonicalization: 'relaxed/relaxed', signatureData: [{ signingDomain: domain, selector, privateKey: key.privateKey }] };
  const { signatures, errors } = await dkimSign(raw, options as unknown as Parameters<typeof dkimSign>[1]);
  if (errors.length || !signatures) throw new Error(`signing failed: ${JSON.stringify(errors)}`);
  return signatures + raw;
}

/**
 * What a mailing list does to a signed message: a subject tag (which breaks the author's DKIM
 * signature), then an ARC set of forwarder.test recording that DKIM passed when it arrived.
 */
export async function forwarded(raw: string, keys: MailAuthKeys): Promise<string> {
  const changed = raw.replace('Subject: ', 'Subject: [list] ');
  const arcHeaders = await sealMessage(changed, {
    signingDomain: 'forwarder.test',
    selector: 'arc',
    privateKey: keys.forwarder.privateKey,
    authResults: 'forwarder.test; dkim=pass header.d=pass.test; spf=pass smtp.mailfrom=pass.test; dmarc=pass header.from=pass.test',
    cv: 'none',
  });
  return arcHeaders.toString() + changed;
}

/** Fresh keys and a knotd serving the `test.` zone made from them, for one test file. */
export async function startMailAuthDns(): Promise<{ keys: MailAuthKeys; dns: TestDnsServer }> {
  const keys = makeKeys();
  return { keys, dns: await startDnsServer('test', mailAuthZone(keys)) };
}
