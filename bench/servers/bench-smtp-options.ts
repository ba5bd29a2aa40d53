import type { SMTPServerOptions } from 'smtp-server';

/** Largest message accepted: room for the 100 MB workload, and the 552 check stays on. */
export const BENCH_MAX_MESSAGE_BYTES = 200 * 1024 * 1024;

/**
 * smtp-server options every variant shares, so the only difference between them is the code
 * that answers the callbacks. Loopback only, no reverse DNS (it would measure the resolver),
 * no logging, a client limit above the idle workload's 5,000 connections.
 */
export const benchSmtpOptions = {
  host: '127.0.0.1',
  port: 0,
  disableReverseLookup: true,
  logger: false,
  hideSTARTTLS: true,
  maxClients: 10_000,
  size: BENCH_MAX_MESSAGE_BYTES,
  socketTimeout: 120_000,
  closeTimeout: 2_000,
} as const satisfies SMTPServerOptions & { host: string; port: number };
