import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/**
 * What a message id may look like: a Maildir file name, never a path. The reader also finds
 * messages only by comparing ids with the names it listed, so an id is never joined into a path;
 * this check makes bad ids fail early and plainly (400) rather than as "not found".
 */
const MESSAGE_ID = /^[A-Za-z0-9][\x21-\x2e\x30-\x39\x3b-\x5b\x5d-\x7e]{0,254}$/;

/** `true` for a well-formed message id: printable ASCII without `/`, `\` or `:`, not starting with a dot. */
export const isMessageId = (value: string): boolean => MESSAGE_ID.test(value);

/** Validates the `:id` route parameter of the inbox API. */
@Injectable()
export class MessageIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isMessageId(value)) throw new BadRequestException('Invalid message id');
    return value;
  }
}
