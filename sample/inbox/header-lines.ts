import { open } from 'node:fs/promises';

export interface HeaderLine {
  readonly name: string;
  readonly value: string;
}

/** A header line as sent, unfolded (RFC 5322 §2.2.3): one logical line per header. */
export function headerLine(line: string): HeaderLine {
  const colon = line.indexOf(':');
  return { name: line.slice(0, colon), value: line.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, '').trim() };
}

/** The first `limit` bytes of a file (fewer if it is shorter): where a message's header block is. */
export async function readHead(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    const { bytesRead } = await handle.read(buffer, 0, limit, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The header lines within the first `limit` bytes of a file: what can be shown of a message the parser refuses. */
export async function readHeaderLines(path: string, limit: number): Promise<HeaderLine[]> {
  const head = (await readHead(path, limit)).toString('utf8');
  const end = head.search(/\r?\n\r?\n/);
  const block = end >= 0 ? head.slice(0, end) : head.slice(0, head.lastIndexOf('\n') + 1);
  return block
    .split(/\r?\n(?![ \t])/)
    .filter((line) => line.includes(':'))
    .map(headerLine);
}
