import type { ParsedMail } from 'mailparser';

/** A message from a parser worker about one job. */
export type ParserReply =
  | { readonly type: 'ack'; readonly id: number; readonly bytes: number }
  | { readonly type: 'done'; readonly id: number; readonly mail: ParsedMail }
  | { readonly type: 'failed'; readonly id: number; readonly error: { readonly name: string; readonly message: string; readonly code?: string } };

/** Gives back what crossing the thread boundary turned into plain arrays: attachments' contents as Buffers. */
export function reviveParsedMail(mail: ParsedMail): ParsedMail {
  for (const attachment of mail.attachments) {
    const content = attachment.content as Uint8Array;
    attachment.content = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  }
  return mail;
}
