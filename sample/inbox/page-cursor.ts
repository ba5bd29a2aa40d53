import { BadRequestException } from '@nestjs/common';
import { isMessageId } from './message-id.pipe.js';
import type { ListPosition } from './stored-message.js';

/**
 * A page's cursor: the position of its last message, opaque to clients (base64url JSON). A
 * position rather than an offset, so pages stay right while new messages arrive at the top.
 */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.receivedAt, position.id])).toString('base64url');
}

/** The position a cursor from `encodeCursor` stands for; 400 for anything else. */
export function decodeCursor(cursor: string): ListPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'number' ||
    !Number.isFinite(value[0]) ||
    typeof value[1] !== 'string' ||
    !isMessageId(value[1])
  ) {
    throw new BadRequestException('Invalid cursor');
  }
  return { receivedAt: value[0], id: value[1] };
}
