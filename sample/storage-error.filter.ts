import { type ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { BaseFumiExceptionFilter, ClientDisconnectedException, FumiArgumentsHost, SmtpException } from '../lib/index.js';

const FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * A disk that is full or failing is a temporary condition: tell the client to retry (4xx) so
 * the sender's queue keeps the message, rather than bouncing it.
 */
@Catch()
export class StorageErrorFilter extends BaseFumiExceptionFilter {
  private readonly logger = new Logger('Storage');

  override catch(exception: unknown, host: ArgumentsHost): never {
    // the client left mid-DATA: nothing to answer, and the server logs it (WARN)
    if (exception instanceof ClientDisconnectedException) return super.catch(exception, host);
    const code = (exception as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string' && code.startsWith('E') && !(exception instanceof SmtpException)) {
      const session = FumiArgumentsHost.create(host).getSession();
      this.logger.error(`session=${session.id} storing failed: ${(exception as Error).message}`);
      throw FULL.has(code)
        ? new SmtpException('Insufficient system storage', 452, '4.3.1')
        : new SmtpException('Temporary storage failure, try again later', 451, '4.3.0');
    }
    return super.catch(exception, host);
  }
}
