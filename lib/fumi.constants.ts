/** The context type Nest reports for SMTP handlers: `host.getType() === FUMI_CONTEXT_TYPE`. */
export const FUMI_CONTEXT_TYPE = 'fumi';

/** For `host.getType<FumiContextType>() === 'fumi'` in code shared with other transports. */
export type FumiContextType = typeof FUMI_CONTEXT_TYPE;

/** Name of the server a handler or `FumiModule.forRoot()` targets when it names none. */
export const DEFAULT_SERVER_NAME = 'default';

export const FUMI_HANDLER_METADATA = 'fumi:handler';

/**
 * Parameter decorators store their metadata where `@nestjs/common` stores route arguments, so
 * that `createParamDecorator()` decorators work on SMTP handlers as they do on controllers.
 */
export const FUMI_ARGS_METADATA = '__routeArguments__';

export const DEFAULT_PORT = 2525;
export const DEFAULT_HOST = '0.0.0.0';
/** smtp-server waits 30 s for open sessions on close; a deploy should not. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;
/**
 * RFC 5321 §4.5.3.2 has clients wait minutes for a reply, but a handler that takes longer than
 * this is stuck rather than busy: answer 451 and let the client retry.
 */
export const DEFAULT_HANDLER_TIMEOUT = 30_000;
/**
 * The newest bytes of a message held in memory while handlers look at it; older ones go to a
 * temporary file, so memory stays flat however large (or many) the messages are. A reader at the
 * live edge needs a window about this large anyway, so a smaller default would save no memory
 * on large messages and only send mid-sized ones to the disk.
 */
export const DEFAULT_SPOOL_THRESHOLD = 1024 * 1024;

/** Recipients per transaction; RFC 5321 §4.5.3.1.8 asks for at least 100. */
export const DEFAULT_MAX_RECIPIENTS = 100;
