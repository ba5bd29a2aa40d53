// Everything that reaches into smtp-server beyond its public API, behind one interface: the rest
// of the library imports the engine's internals from here only.
export { isAnswering, isInMessage } from './answering.js';
export { gateAuth, type AuthGate } from './auth-gate.js';
export { refuseBareLineFeedCommands } from './bare-line-feed-commands.js';
export { watchClientInput, type ClientInputWatcher } from './client-input.js';
export { interceptCommands, type CommandInterceptor } from './command-interceptor.js';
export { onEachConnection, type ConnectionHook } from './connection-hooks.js';
export { shapeEhloReply, type EhloShaper } from './ehlo-reply.js';
export { checkEngineVersion, engineVersion, engineVersionWarning, VERIFIED_ENGINE_VERSIONS } from './engine-version.js';
export { keepOwnEnhancedCodes } from './enhanced-status-codes.js';
export { batchReplies } from './reply-batching.js';
export { observeReplies, type ReplyObserver } from './reply-observer.js';
export type { SmtpConnection } from './smtp-connection.js';
