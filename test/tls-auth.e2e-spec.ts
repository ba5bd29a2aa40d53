import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { text } from 'node:stream/consumers';
import nodemailer from 'nodemailer';
import {
  AuthContext,
  Ctx,
  DataContext,
  MailFromContext,
  OnAuth,
  OnConnect,
  OnData,
  OnMailFrom,
  OnRcptTo,
  OnSecure,
  RcptToContext,
  SecureContext,
  SmtpContext,
  type FumiModuleOptions,
  type TlsDetails,
} from '../lib/index.js';
import { createTestCertificate, SmtpTestClient, type TestCertificate } from '../lib/testing/index.js';
import { bootAndClose, startApp, type RunningApp } from './support/app.js';
import { CertificateFiles, eventually, MAIL_HOST, plainAuth, presented, verifying, xoauth2Auth } from './support/tls.js';

const MESSAGE = 'Subject: over TLS\r\nFrom: alice@example.test\r\n\r\nHello.\r\n';

/** What each phase saw of the session. */
interface Seen {
  phase: string;
  secure: boolean;
  transmissionType: string;
  user?: unknown;
  tls?: TlsDetails;
  address?: string;
  method?: string;
}

const seen: Seen[] = [];
const phases = (phase: string) => seen.filter((s) => s.phase === phase);
const record = (ctx: SmtpContext, extra: Partial<Seen> = {}) =>
  seen.push({
    phase: ctx.phase,
    secure: ctx.session.secure,
    transmissionType: ctx.session.transmissionType,
    user: ctx.session.user,
    ...extra,
  });

/** Accepts alice with password/secret "secret" or XOAUTH2 token "good-token"; records every phase. */
@Injectable()
class MailService {
  @OnConnect() connect(@Ctx() ctx: SmtpContext) {
    record(ctx);
  }

  @OnSecure() secure(@Ctx() ctx: SecureContext) {
    record(ctx, { tls: ctx.tls });
    if (ctx.tls.protocol !== 'TLSv1.3') ctx.reject('TLS 1.3 required', 554, '5.7.0');
  }

  @OnAuth() auth(@Ctx() ctx: AuthContext) {
    const { method, username, accessToken } = ctx.credentials;
    record(ctx, { method });
    if (username !== 'alice') ctx.reject();
    const valid = method === 'XOAUTH2' ? accessToken === 'good-token' : ctx.credentials.validatePassword('secret');
    if (!valid) ctx.reject();
    ctx.accept(username);
  }

  @OnMailFrom() mailFrom(@Ctx() ctx: MailFromContext) {
    record(ctx, { address: ctx.address.address });
  }

  @OnRcptTo() rcptTo(@Ctx() ctx: RcptToContext) {
    record(ctx, { address: ctx.address.address });
  }

  @OnData() async data(@Ctx() ctx: DataContext) {
    await text(ctx.stream);
    record(ctx);
  }
}

describe('TLS and authentication', () => {
  let main: TestCertificate; // mail.example.test, the default certificate
  let renewed: TestCertificate; // mail.example.test again, a renewal
  let other: TestCertificate; // b.example.test
  let third: TestCertificate; // c.example.test
  let running: RunningApp | undefined;
  let files: CertificateFiles | undefined;

  beforeAll(async () => {
    [main, renewed, other, third] = await Promise.all([
      createTestCertificate({ hostnames: [MAIL_HOST] }),
      createTestCertificate({ hostnames: [MAIL_HOST] }),
      createTestCertificate({ hostnames: ['b.example.test'] }),
      createTestCertificate({ hostnames: ['c.example.test'] }),
    ]);
  });

  beforeEach(() => (seen.length = 0));

  afterEach(async () => {
    await running?.close();
    running = undefined;
    files?.remove();
    files = undefined;
  });

  const start = (options: FumiModuleOptions) => startApp({ providers: [MailService] }, options);
  const withCertificate = (options: FumiModuleOptions = {}): FumiModuleOptions => ({ key: main.key, cert: main.cert, ...options });

  describe('STARTTLS on a plain port', () => {
    it('upgrades, and every later phase sees a secure session (ESMTPS, then ESMTPSA)', async () => {
      running = await start(withCertificate());
      const client = await SmtpTestClient.connect(running.port);
      const before = await client.ehlo();
      expect(before.lines).toContain('STARTTLS');
      expect((await client.startTls(verifying(main))).code).toBe(220);
      expect(presented(client)).toBe(main.fingerprint256);

      const after = await client.ehlo();
      expect(after.code).toBe(250);
      expect(after.lines).not.toContain('STARTTLS');
      expect((await client.send(plainAuth('alice', 'secret'))).code).toBe(235);
      const { data } = await client.sendMail({ from: 'alice@example.test', to: 'bob@example.test', body: MESSAGE });
      expect(data?.code).toBe(250);
      await client.quit();

      expect(phases('connect')).toEqual([expect.objectContaining({ secure: false, transmissionType: 'SMTP' })]);
      const [secure] = phases('secure');
      expect(secure).toMatchObject({ secure: true, tls: { protocol: 'TLSv1.3', servername: MAIL_HOST } });
      expect(secure!.tls!.cipher).toMatch(/^TLS_/);
      expect(phases('auth')).toEqual([expect.objectContaining({ secure: true, transmissionType: 'ESMTPS' })]);
      for (const phase of ['mailFrom', 'rcptTo', 'data']) {
        expect(phases(phase)).toEqual([expect.objectContaining({ secure: true, transmissionType: 'ESMTPSA', user: 'alice' })]);
      }
    });

    it('never runs commands pipelined behind STARTTLS inside the TLS session', async () => {
      running = await start(withCertificate({ authOptional: true }));
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      client.write('STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n');
      expect((await client.read()).code).toBe(220);
      await client.upgradeTls(verifying(main));

      // The first reply inside TLS is the EHLO's: nothing answers an injected command first.
      const ehlo = await client.ehlo();
      expect(ehlo.lines[0]).toMatch(/Nice to meet you/);
      expect(ehlo.lines).toContain('PIPELINING');
      // No transaction was opened: RCPT has no MAIL to belong to.
      expect((await client.send('RCPT TO:<bob@example.test>')).code).toBe(503);
      expect(phases('mailFrom')).toEqual([]);
      expect((await client.send('MAIL FROM:<alice@example.test>')).code).toBe(250);
      expect(phases('mailFrom')).toEqual([expect.objectContaining({ address: 'alice@example.test', secure: true })]);
      await client.quit();
    });

    it('lets @OnSecure refuse with its reply once it has seen the TLS details', async () => {
      running = await start(withCertificate({ authOptional: true }));
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.startTls({ ...verifying(main), maxVersion: 'TLSv1.2' });
      const refusal = await client.read();
      expect(refusal).toMatchObject({ code: 554, text: '5.7.0 TLS 1.3 required' });
      await client.closed;
      expect(phases('secure')).toEqual([expect.objectContaining({ tls: expect.objectContaining({ protocol: 'TLSv1.2' }) })]);
    });

    it('delivers from nodemailer with requireTLS and AUTH', async () => {
      running = await start(withCertificate({ requireTLS: true }));
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: running.port,
        secure: false,
        requireTLS: true,
        tls: verifying(main),
        auth: { user: 'alice', pass: 'secret' },
      });
      const info = await transport.sendMail({ from: 'alice@example.test', to: 'bob@example.test', subject: 'Hi', text: 'Hello' });
      expect(info.accepted).toEqual(['bob@example.test']);
      expect(phases('data')).toEqual([expect.objectContaining({ transmissionType: 'ESMTPSA', user: 'alice' })]);
      transport.close();
    });

    it('is not offered without a certificate of your own', async () => {
      running = await start({ authOptional: true, allowInsecureAuth: true });
      const client = await SmtpTestClient.connect(running.port);
      const ehlo = await client.ehlo();
      expect(ehlo.lines).not.toContain('STARTTLS');
      expect((await client.send('STARTTLS')).code).toBeGreaterThanOrEqual(500);
      await client.quit();
    });
  });

  describe('implicit TLS (secure: true)', () => {
    it('greets over TLS, and every phase sees a secure session', async () => {
      running = await start(withCertificate({ secure: true, authOptional: true }));
      const client = await SmtpTestClient.connect(running.port, { tls: verifying(main) });
      expect(client.greeting.code).toBe(220);
      expect(presented(client)).toBe(main.fingerprint256);
      const ehlo = await client.ehlo();
      expect(ehlo.lines).not.toContain('STARTTLS');
      const { data } = await client.sendMail({ from: 'carol@example.test', to: 'bob@example.test', body: MESSAGE });
      expect(data?.code).toBe(250);
      await client.quit();

      expect(phases('connect')).toEqual([expect.objectContaining({ secure: true })]);
      expect(phases('secure')).toEqual([expect.objectContaining({ tls: expect.objectContaining({ servername: MAIL_HOST }) })]);
      expect(phases('mailFrom')).toEqual([expect.objectContaining({ secure: true, transmissionType: 'ESMTPS' })]);
    });

    it('delivers from nodemailer with secure: true (certificate given as Buffers)', async () => {
      running = await start({ key: Buffer.from(main.key), cert: Buffer.from(main.cert), secure: true });
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: running.port,
        secure: true,
        tls: verifying(main),
        auth: { user: 'alice', pass: 'secret' },
      });
      const info = await transport.sendMail({ from: 'alice@example.test', to: 'bob@example.test', text: 'Hello' });
      expect(info.accepted).toEqual(['bob@example.test']);
      expect(phases('data')).toEqual([expect.objectContaining({ transmissionType: 'ESMTPSA' })]);
      transport.close();
    });
  });

  describe('SNI', () => {
    const sni = (): FumiModuleOptions => {
      files = new CertificateFiles(third);
      return withCertificate({
        authOptional: true,
        sniOptions: {
          'b.example.test': { key: other.key, cert: other.cert }, // PEM
          'c.example.test': { key: files.key, cert: files.cert }, // file paths
        },
      });
    };

    it('presents the certificate of the name the client asks for, over STARTTLS', async () => {
      running = await start(sni());
      for (const [servername, certificate] of [
        ['b.example.test', other],
        ['c.example.test', third],
        [MAIL_HOST, main],
        ['B.Example.Test', other],
      ] as const) {
        const client = await SmtpTestClient.connect(running.port);
        await client.ehlo();
        await client.startTls(verifying(certificate, servername));
        expect(presented(client)).toBe(certificate.fingerprint256);
        expect((await client.ehlo()).code).toBe(250);
        await client.quit();
      }
      expect(phases('secure').map((s) => s.tls?.servername)).toEqual([
        'b.example.test',
        'c.example.test',
        MAIL_HOST,
        expect.stringMatching(/^b\.example\.test$/i),
      ]);
    });

    it('presents them on implicit TLS too, and the default one without a name', async () => {
      running = await start({ ...sni(), secure: true });
      const named = await SmtpTestClient.connect(running.port, { tls: verifying(third, 'c.example.test') });
      expect(presented(named)).toBe(third.fingerprint256);
      await named.quit();
      // An IP address is never sent as SNI: the client gets the default certificate.
      const unnamed = await SmtpTestClient.connect(running.port, { tls: { ca: main.cert, rejectUnauthorized: true } });
      expect(presented(unnamed)).toBe(main.fingerprint256);
      await unnamed.quit();
      expect(phases('secure').map((s) => s.tls?.servername)).toEqual(['c.example.test', undefined]);
    });
  });

  describe('certificate reload', () => {
    const connectSecurely = async (port: number, certificate: TestCertificate) => {
      const client = await SmtpTestClient.connect(port);
      await client.ehlo();
      await client.startTls(verifying(certificate));
      await client.ehlo();
      return client;
    };

    it('gives the next connection the renewed files, while an open one carries on', async () => {
      files = new CertificateFiles(main);
      running = await start({ key: files.key, cert: files.cert, authOptional: true });
      const open = await connectSecurely(running.port, main);
      expect(presented(open)).toBe(main.fingerprint256);

      files.write(renewed);
      running.server.reloadCertificates();

      const next = await connectSecurely(running.port, renewed);
      expect(presented(next)).toBe(renewed.fingerprint256);
      await next.quit();
      // the open session goes on, on the certificate it negotiated
      const { data } = await open.sendMail({ from: 'alice@example.test', to: 'bob@example.test', body: MESSAGE });
      expect(data?.code).toBe(250);
      expect(presented(open)).toBe(main.fingerprint256);
      await open.quit();
    });

    it('takes PEM in place of the configured certificate', async () => {
      running = await start(withCertificate({ authOptional: true }));
      running.server.reloadCertificates({ key: renewed.key, cert: renewed.cert });
      const client = await connectSecurely(running.port, renewed);
      expect(presented(client)).toBe(renewed.fingerprint256);
      await client.quit();
    });

    it('keeps serving the current certificate when the new one cannot be used', async () => {
      files = new CertificateFiles(main);
      running = await start({ key: files.key, cert: files.cert, authOptional: true });
      files.write({ key: other.key, cert: renewed.cert }); // a key that is not the certificate's
      expect(() => running!.server.reloadCertificates()).toThrow(/"key".*does not belong to the certificate/);
      files.write({ key: renewed.key, cert: '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n' });
      expect(() => running!.server.reloadCertificates()).toThrow(/"cert".*cannot be used/);
      const client = await connectSecurely(running.port, main);
      expect(presented(client)).toBe(main.fingerprint256);
      await client.quit();
    });

    it('reloads by itself when the files change, with watchCertificates, skipping a half-written renewal', async () => {
      files = new CertificateFiles(main);
      running = await start({ key: files.key, cert: files.cert, authOptional: true, watchCertificates: { interval: 20 } });
      const port = running.port;
      const fingerprint = async () => {
        const client = await SmtpTestClient.connect(port);
        await client.ehlo();
        await client.startTls({ ca: [main.cert, renewed.cert], servername: MAIL_HOST });
        const presentedNow = presented(client);
        await client.quit();
        return presentedNow;
      };
      // the new key is there, its certificate not yet: the current certificate stays in use
      files.write({ key: renewed.key, cert: main.cert });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await fingerprint()).toBe(main.fingerprint256);
      files.write(renewed);
      await eventually(async () => (await fingerprint()) === renewed.fingerprint256);
    });
  });

  describe('TLS before AUTH and MAIL', () => {
    it('refuses AUTH with 530 5.7.0 before any exchange on a plain connection, then accepts it over TLS', async () => {
      running = await start(withCertificate({ authOptional: true }));
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      // no 334 prompt: the client is never asked for its password in cleartext
      expect(await client.send('AUTH LOGIN')).toMatchObject({ code: 530, text: '5.7.0 Must issue a STARTTLS command first' });
      expect((await client.send(plainAuth('alice', 'secret'))).code).toBe(530);
      expect(phases('auth')).toEqual([]);
      // without requireTLS, cleartext mail is still welcome (an MX must take it)
      expect((await client.send('MAIL FROM:<carol@example.test>')).code).toBe(250);
      await client.send('RSET');
      await client.startTls(verifying(main));
      await client.ehlo();
      expect((await client.send(plainAuth('alice', 'secret'))).code).toBe(235);
      await client.quit();
    });

    it('refuses MAIL FROM with 530 5.7.0 too under requireTLS', async () => {
      running = await start(withCertificate({ requireTLS: true, authOptional: true }));
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      expect(await client.send('MAIL FROM:<carol@example.test>')).toMatchObject({
        code: 530,
        text: '5.7.0 Must issue a STARTTLS command first',
      });
      expect((await client.send('AUTH LOGIN')).code).toBe(530);
      expect(phases('mailFrom')).toEqual([]);
      await client.startTls(verifying(main));
      await client.ehlo();
      expect((await client.send('MAIL FROM:<carol@example.test>')).code).toBe(250);
      await client.quit();
    });

    it('refuses cleartext AUTH also when there is no certificate, unless allowInsecureAuth', async () => {
      running = await start({ authOptional: true });
      const refused = await SmtpTestClient.connect(running.port);
      await refused.ehlo();
      expect((await refused.send(plainAuth('alice', 'secret'))).code).toBe(530);
      await refused.quit();
      await running.close();

      running = await start({ authOptional: true, allowInsecureAuth: true });
      const allowed = await SmtpTestClient.connect(running.port);
      await allowed.ehlo();
      expect((await allowed.send(plainAuth('alice', 'secret'))).code).toBe(235);
      await allowed.quit();
    });
  });

  describe('SASL mechanisms through @OnAuth', () => {
    const submission = (authMethods = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']) =>
      start(withCertificate({ requireTLS: true, authMethods, authFailureLimits: false }));

    const transportFor = (port: number, auth: object, authMethod?: string) =>
      nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        requireTLS: true,
        tls: verifying(main),
        auth,
        ...(authMethod ? { authMethod } : {}),
      } as never);

    it.each(['PLAIN', 'LOGIN', 'CRAM-MD5'])('%s: accepts the right secret and refuses a wrong one', async (method) => {
      running = await submission();
      const good = transportFor(running.port, { user: 'alice', pass: 'secret' }, method);
      await expect(good.sendMail({ from: 'alice@example.test', to: 'bob@example.test', text: 'Hi' })).resolves.toBeTruthy();
      const bad = transportFor(running.port, { user: 'alice', pass: 'guess' }, method);
      await expect(bad.sendMail({ from: 'alice@example.test', to: 'bob@example.test', text: 'Hi' })).rejects.toMatchObject({
        code: 'EAUTH',
        responseCode: 535,
      });
      expect(phases('auth').map((s) => s.method)).toEqual([method, method]);
      expect(phases('data')).toEqual([expect.objectContaining({ user: 'alice' })]);
      good.close();
      bad.close();
    });

    it('CRAM-MD5: validatePassword() checks the client digest over the wire', async () => {
      running = await submission();
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.startTls(verifying(main));
      await client.ehlo();
      const challenge = await client.send('AUTH CRAM-MD5');
      expect(challenge.code).toBe(334);
      const digest = createHmac('md5', 'secret').update(Buffer.from(challenge.text, 'base64')).digest('hex');
      expect((await client.send(Buffer.from(`alice ${digest}`).toString('base64'))).code).toBe(235);
      await client.quit();
    });

    it('XOAUTH2: accepts a good bearer token from nodemailer', async () => {
      running = await submission();
      const transport = transportFor(running.port, { type: 'OAuth2', user: 'alice', accessToken: 'good-token' });
      await expect(transport.sendMail({ from: 'alice@example.test', to: 'bob@example.test', text: 'Hi' })).resolves.toBeTruthy();
      expect(phases('auth')).toEqual([expect.objectContaining({ method: 'XOAUTH2' })]);
      transport.close();
    });

    it('XOAUTH2: refuses a bad token with the RFC 7628 error challenge, then 535', async () => {
      running = await submission();
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.startTls(verifying(main));
      await client.ehlo();
      const challenge = await client.send(xoauth2Auth('alice', 'stolen-token'));
      expect(challenge.code).toBe(334);
      expect(JSON.parse(Buffer.from(challenge.text, 'base64').toString())).toEqual({ status: 'invalid_token', schemes: 'bearer' });
      expect((await client.send('')).code).toBe(535);
      // the session is in a sane state afterwards: a good token still works
      expect((await client.send(xoauth2Auth('alice', 'good-token'))).code).toBe(235);
      await client.quit();

      const transport = transportFor(running.port, { type: 'OAuth2', user: 'alice', accessToken: 'stolen-token' });
      await expect(transport.sendMail({ from: 'alice@example.test', to: 'bob@example.test', text: 'Hi' })).rejects.toMatchObject({
        code: 'EAUTH',
      });
      transport.close();
    });

    it('advertises AUTH only once the connection is secure (RFC 4954 §4); a cleartext AUTH gets 530', async () => {
      running = await submission(['PLAIN', 'CRAM-MD5']);
      const client = await SmtpTestClient.connect(running.port);
      const cleartext = await client.ehlo();
      expect(cleartext.lines).toContain('STARTTLS');
      expect(cleartext.lines.filter((line) => line.startsWith('AUTH'))).toEqual([]);
      expect(await client.send(`AUTH PLAIN ${Buffer.from('\0alice\0secret').toString('base64')}`)).toMatchObject({
        code: 530,
        enhancedCode: '5.7.0',
      });
      await client.startTls(verifying(main));
      expect((await client.ehlo()).lines).toContain('AUTH PLAIN CRAM-MD5');
      expect(phases('auth')).toEqual([]);
      await client.quit();
    });

    it('advertises exactly the authMethods, and refuses the others with 504', async () => {
      running = await submission(['PLAIN', 'CRAM-MD5']);
      const client = await SmtpTestClient.connect(running.port);
      await client.ehlo();
      await client.startTls(verifying(main));
      const ehlo = await client.ehlo();
      expect(ehlo.lines).toContain('AUTH PLAIN CRAM-MD5');
      expect((await client.send('AUTH LOGIN')).code).toBe(504);
      expect((await client.send(xoauth2Auth('alice', 'good-token'))).code).toBe(504);
      expect(phases('auth')).toEqual([]);
      await client.quit();
    });
  });

  describe('bootstrap errors', () => {

    it.each<[string, () => FumiModuleOptions, RegExp]>([
      ['a missing key file', () => ({ key: '/nonexistent/privkey.pem', cert: main.cert }), /"key".*neither PEM text.*ENOENT/],
      ['a key of another certificate', () => ({ key: other.key, cert: main.cert }), /"key".*does not belong to the certificate/],
      ['broken PEM', () => ({ key: main.key, cert: '-----BEGIN CERTIFICATE-----\nno\n-----END CERTIFICATE-----' }), /"cert".*cannot be used/],
      ['a certificate without its key', () => ({ cert: main.cert }), /"key" .*is missing/],
      ['sniOptions without a default certificate', () => ({ sniOptions: { 'b.example.test': { key: other.key, cert: other.cert } } }), /"sniOptions".*built-in certificate/],
      ['an SNI entry without its certificate', () => withCertificate({ sniOptions: { 'b.example.test': { key: other.key } } }), /"sniOptions\["b\.example\.test"\]\.cert"/],
      ['requireTLS without a certificate', () => ({ requireTLS: true }), /"requireTLS".*certificate/],
      ['requireTLS with allowInsecureAuth', () => withCertificate({ requireTLS: true, allowInsecureAuth: true }), /"requireTLS".*allowInsecureAuth/],
      ['watchCertificates without files', () => withCertificate({ watchCertificates: true }), /"watchCertificates".*file paths/],
      ['a bad watch interval', () => withCertificate({ watchCertificates: { interval: 0 } }), /"watchCertificates\.interval"/],
    ])('fails on %s, naming the option', async (_case, options, message) => {
      await expect(bootAndClose(options())).rejects.toThrow(message);
    });
  });
});
