export { FumiModule } from './fumi.module.js';
export { FumiServer } from './server/fumi.server.js';
export { FumiEvents, type FumiSessionEvent } from './server/fumi-events.js';
export { getFumiServerToken, InjectFumiServer } from './server/fumi-server.token.js';
export { FUMI_MODULE_OPTIONS } from './fumi.module-definition.js';
export type { FumiModuleExtras, FumiModuleOptions, FumiSmtpServerOptions } from './options/fumi-module-options.interface.js';
export type { FumiHandlerOptions } from './decorators/fumi-handler-options.interface.js';
export type { SmtpAddress, SmtpEnvelope } from './context/smtp-address.interface.js';
export { DEFAULT_SERVER_NAME, FUMI_CONTEXT_TYPE, type FumiContextType } from './fumi.constants.js';
export type { SmtpPhase } from './context/smtp-phase.js';
export { SMTP_PHASES } from './context/smtp-phase.js';

export { OnConnect } from './decorators/on-connect.decorator.js';
export { OnSecure } from './decorators/on-secure.decorator.js';
export { OnAuth } from './decorators/on-auth.decorator.js';
export { OnMailFrom } from './decorators/on-mail-from.decorator.js';
export { OnRcptTo } from './decorators/on-rcpt-to.decorator.js';
export { OnData } from './decorators/on-data.decorator.js';
export { OnClose } from './decorators/on-close.decorator.js';
export { SmtpHandler } from './decorators/smtp-handler.decorator.js';
export {
  AuthUser,
  Credentials,
  Ctx,
  Envelope,
  MailFrom,
  MessageStream,
  Next,
  ParsedMail,
  RcptTo,
  SmtpSession,
} from './decorators/params.decorator.js';
export { InjectSmtpSession } from './decorators/inject-smtp-session.decorator.js';

export type { ProxyProtocolOptions, ProxyProtocolVersion } from './proxy/proxy-protocol-options.interface.js';
export type { FumiSecurityOptions } from './options/fumi-security-options.interface.js';
export {
  DEFAULT_HARDENING_OPTIONS,
  type BareLineFeeds,
  type FumiHardeningOptions,
} from './options/fumi-hardening-options.interface.js';
export type { FumiCertificateOptions } from './tls/certificate.loader.js';
export { DEFAULT_AUTH_FAILURE_LIMITS, type AuthFailureLimits } from './auth/auth-failure-limits.interface.js';
export type { CounterStore, CounterWindow } from './stores/counter-store.interface.js';
export { MemoryCounterStore } from './stores/memory-counter.store.js';

export { FumiSession, type FumiServerInfo } from './server/fumi-session.js';
export { SmtpContext, type NextFunction } from './context/smtp.context.js';
export { ConnectContext } from './context/connect.context.js';
export { SecureContext, type TlsDetails } from './context/secure.context.js';
export { AuthContext, type SaslMethod, type SmtpCredentials } from './context/auth.context.js';
export { MailFromContext } from './context/mail-from.context.js';
export { RcptToContext } from './context/rcpt-to.context.js';
export { DataContext } from './context/data.context.js';
export { CloseContext } from './context/close.context.js';
export type { AnySmtpContext, PhaseContextMap } from './context/phase-context.map.js';
export { FumiArgumentsHost, FumiExecutionContext } from './execution/fumi-arguments-host.js';

export type { ReceivedHeaderOptions } from './message/received-header.js';
export { DEFAULT_PARSE_OPTIONS, type FumiParseOptions } from './parsing/fumi-parse-options.js';
export {
  MessageParserPool,
  type MessageParserPoolOptions,
  type ParsedMailWithHtmlBytes,
  type ParseJobOptions,
  type ParserSource,
} from './parsing/message-parser.pool.js';
export { ParserPoolBusyError } from './parsing/parser-pool-busy.error.js';
export { ParserWorkerError, type ParserWorkerFailure } from './parsing/parser-worker.error.js';
export { SmtpException, SMTPError } from './exceptions/smtp.exception.js';
export { BaseFumiExceptionFilter } from './exceptions/base-fumi-exception.filter.js';
export { ClientDisconnectedException } from './exceptions/client-disconnected.exception.js';
export { FumiBootstrapError } from './errors/fumi-bootstrap.error.js';
export { FumiOptionsError } from './errors/fumi-options.error.js';

export * from './plugins/index.js';
export type { FumiClientLimits, RateLimit } from './options/fumi-client-limits.interface.js';
export { DEFAULT_CLIENT_LIMITS } from './limits/client-limits.plugin.js';
