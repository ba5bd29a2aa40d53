/**
 * A `Content-Disposition: attachment` header value for a file name taken from a message (RFC 6266):
 * an ASCII fallback for old clients and the exact name, percent-encoded, for the others. Quotes,
 * backslashes, control characters and path separators never reach the header as they are.
 */
export function attachmentDisposition(filename: string): string {
  const safe = filename.replace(/[\x00-\x1f\x7f/\\]/g, '_').trim() || 'attachment';
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/["%]/g, '_');
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
