import { Injectable, type PipeTransform } from '@nestjs/common';
import { SmtpContext } from '../../../lib/index.js';

/** A typical parameter pipe: checks the argument is what the handler expects, passes it on. */
@Injectable()
export class SmtpContextPipe implements PipeTransform<unknown, SmtpContext> {
  transform(value: unknown): SmtpContext {
    if (!(value instanceof SmtpContext)) throw new TypeError('expected an SMTP phase context');
    return value;
  }
}
