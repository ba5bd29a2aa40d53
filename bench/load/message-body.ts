/**
 * A test message as the chunks a client writes after the 354, dot-stuffing already done (no line
 * starts with a dot) and the final `.` line included. Large messages reuse one 1 MiB chunk, so a
 * 100 MB message costs the load generator 1 MiB of memory, not 100.
 */
export interface MessageBody {
  readonly chunks: readonly Buffer[];
  /** Bytes of the message itself, without the terminating `.` line. */
  readonly bytes: number;
}

const LINE = `${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(0, 78)}\r\n`;
const LINE_BYTES = LINE.length;
const CHUNK_LINES = Math.floor((1024 * 1024) / LINE_BYTES);
const TERMINATOR = '.\r\n';

/** Header block plus body lines, about `bytes` long (rounded to whole 80-byte lines). */
export function buildMessage(bytes: number): MessageBody {
  const header = 'From: <load@bench.test>\r\nTo: <inbox@bench.test>\r\nSubject: benchmark\r\n\r\n';
  const bodyLines = Math.max(1, Math.round((bytes - header.length) / LINE_BYTES));
  if (bodyLines <= CHUNK_LINES) {
    const text = header + LINE.repeat(bodyLines);
    return { chunks: [Buffer.from(text + TERMINATOR, 'latin1')], bytes: text.length };
  }
  const fullChunk = Buffer.from(LINE.repeat(CHUNK_LINES), 'latin1');
  const chunks: Buffer[] = [Buffer.from(header, 'latin1')];
  let remaining = bodyLines;
  while (remaining > CHUNK_LINES) {
    chunks.push(fullChunk);
    remaining -= CHUNK_LINES;
  }
  chunks.push(Buffer.from(LINE.repeat(remaining) + TERMINATOR, 'latin1'));
  return { chunks, bytes: header.length + bodyLines * LINE_BYTES };
}
