import type { ParsedMail } from 'mailparser';

/** A message from a parser worker about one job. */
export type ParserReply =
  | { readonly type: 'ack'; readonly id: number; readonly bytes: number }
  | { readonly type: 'done'; readonly id: number; readonly mail: ParsedMail }
  | { readonly type: 'failed'; readonly id: number; readonly error: { readonly name: string; readonly message: string; readonly code?: string } };

/** Gives back what crossing the thread boundary turned into plain arrays: attachments' contents as Buffers. */
export function reviveParsedMail(mail: ParsedMail): ParsedMail {
  const bytes = (view: Uint8Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  for (const attachment of mail.attachments) attachment.content = bytes(attachment.content as Uint8Array);
  const html = mail.html as unknown;
  if (html instanceof Uint8Array) (mail as { html: unknown }).html = bytes(html);
  return mail;
}
