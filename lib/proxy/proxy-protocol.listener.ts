import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { ipAccessList } from '../plugins/ip-access-list.plugin.js';
import type { ResolvedProxyProtocol } from '../server/resolved-server-options.js';
import { PROXY_MESSAGES } from './proxy-protocol.messages.js';
import { readProxyV2Header, toProxyV1Line } from './proxy-v2-header.js';

/** What a direct client's connection gets in front: "the proxy does not know", so the socket's address is used. */
const NO_CLIENT_ADDRESS = Buffer.from('PROXY UNKNOWN\r\n');

/** The first byte of a v1 header (`PROXY ...`); a v2 header starts with CR. */
const V1_FIRST_BYTE = 0x50;

type Connection = (socket: Socket) => void;

/**
 * Makes `smtp` accept PROXY protocol v1 and v2 headers from trusted load balancers.
 *
 * smtp-server reads v1 itself (`useProxy`), and does everything that goes with it: the address
 * check, `ignoredHosts`, the guard against peers that never send a header, `maxClients` while
 * waiting. So this only adds what it lacks, in front of it on the listening socket:
 *
 * - v2: the binary header is read here and handed on as the equivalent v1 line;
 * - trust by CIDR range: connections from trusted proxies are read for a header (and closed if
 *   it is missing, invalid or of a version not accepted); every other connection gets an empty
 *   `PROXY UNKNOWN` line, so smtp-server keeps the socket's own address and whatever that
 *   peer sends itself is read as SMTP, never as a header.
 *
 * Call it once, before the server listens.
 */
export function acceptProxyProtocol(smtp: SMTPServer, options: ResolvedProxyProtocol, warn: (message: string) => void): void {
  const trusted = ipAccessList({ allow: options.trustedProxies });
  const { version, headerTimeout: timeout } = options;
  const server = smtp.server;
  const smtpServerListeners = server.listeners('connection') as Connection[];
  server.removeAllListeners('connection');
  // From now on smtp-server expects a v1 header on every connection: this listener makes sure there is one.
  smtp.options.useProxy = true;

  server.on('connection', (socket: Socket) => {
    const handOver = (prefix: Buffer) => {
      socket.unshift(prefix);
      for (const listener of smtpServerListeners) listener.call(server, socket);
    };
    const peer = socket.remoteAddress ?? '';
    if (!trusted.isAllowed(peer)) return handOver(NO_CLIENT_ADDRESS);
    readHeader(socket, peer, version, timeout, handOver, warn);
  });
}

/** Reads a trusted proxy's header, then hands the connection over with it as a v1 line. */
function readHeader(
  socket: Socket,
  peer: string,
  version: ResolvedProxyProtocol['version'],
  timeout: number,
  handOver: (prefix: Buffer) => void,
  warn: (message: string) => void,
): void {
  let received: Buffer = Buffer.alloc(0);
  const stop = () => {
    socket.off('readable', onReadable);
    socket.off('error', onGone);
    socket.off('end', onGone);
    socket.off('close', onGone);
    socket.off('timeout', onTimeout);
    socket.setTimeout(0);
  };
  const refuse = (message?: string) => {
    stop();
    if (message) warn(message);
    socket.on('error', () => undefined); // late errors of a socket being torn down are expected
    socket.destroy();
  };
  // A proxy's health check connects and leaves without a header: routine, not worth a log line.
  const onGone = () => refuse();
  const onTimeout = () => refuse(PROXY_MESSAGES.headerTimeout(peer, timeout));
  const onReadable = () => {
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
      received = received.length ? Buffer.concat([received, chunk]) : chunk;
      if (received[0] === V1_FIRST_BYTE) {
        if (version === 'v2') return refuse(PROXY_MESSAGES.versionRefused(peer, 'v1', 'v2'));
        stop();
        return handOver(received); // smtp-server reads (and checks) the v1 line itself
      }
      const reading = readProxyV2Header(received);
      if (reading.status === 'incomplete') continue;
      if (reading.status === 'invalid') return refuse(PROXY_MESSAGES.invalidHeader(peer, reading.reason));
      if (version === 'v1') return refuse(PROXY_MESSAGES.versionRefused(peer, 'v2', 'v1'));
      stop();
      return handOver(Buffer.concat([Buffer.from(toProxyV1Line(reading.header), 'latin1'), received.subarray(reading.length)]));
    }
  };
  socket.on('readable', onReadable);
  socket.on('error', onGone);
  socket.on('end', onGone);
  socket.on('close', onGone);
  socket.on('timeout', onTimeout);
  socket.setTimeout(timeout);
}
