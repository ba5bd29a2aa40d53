/** One SMTP reply, possibly multi-line. */
export interface SmtpReply {
  readonly code: number;
  /** Text of each line, without the code and separator. */
  readonly lines: readonly string[];
  /** The text of all lines joined with `\n`. */
  readonly text: string;
  /** The enhanced status code of the first line (`5.7.1`), if it has one. */
  readonly enhancedCode?: string;
  /** `text` without the enhanced status codes: what a person would read. */
  readonly message: string;
}

const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3}) /;

/**
 * Pulls complete replies off the front of a receive buffer. A reply is complete at a line
 * whose code is followed by a space (or nothing) rather than `-`.
 */
export function takeReplies(buffer: string): { replies: SmtpReply[]; rest: string } {
  const replies: SmtpReply[] = [];
  let lines: string[] = [];
  let consumed = 0;
  let offset = 0;
  for (;;) {
    const end = buffer.indexOf('\r\n', offset);
    if (end === -1) break;
    const line = buffer.slice(offset, end);
    offset = end + 2;
    lines.push(line);
    if (line.length < 4 || line[3] === ' ') {
      const code = Number(line.slice(0, 3));
      const texts = lines.map((l) => l.slice(4));
      const enhanced = ENHANCED.exec(texts[0] ?? '')?.[1];
      const message = texts.map((t) => t.replace(ENHANCED, '')).join('\n');
      replies.push({ code, lines: texts, text: texts.join('\n'), message, ...(enhanced ? { enhancedCode: enhanced } : {}) });
      lines = [];
      consumed = offset;
    }
  }
  return { replies, rest: buffer.slice(consumed) };
}
