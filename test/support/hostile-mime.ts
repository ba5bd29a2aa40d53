/** Hostile MIME messages, generated: each is a valid SMTP message body that mailparser finds hard or refuses. */
export interface HostileMessage {
  readonly name: string;
  readonly body: string;
  /** What the parser says of it: `undefined` when it parses. */
  readonly refused?: 'maxHeadSize' | 'maxChildNodes';
}

const CRLF = '\r\n';
const head = (subject: string, extra = '') => `From: a@ok.test${CRLF}To: bob@example.test${CRLF}Subject: ${subject}${CRLF}${extra}`;

/** Quoted-printable HTML of about `bytes` bytes, the kind that makes HTML↔text conversion slow. */
export function largeQpHtml(bytes: number, subject = 'large html'): string {
  const row = '<tr><td class=3D"c">cell =E2=82=AC</td><td><a href=3D"https://example.test/x">link</a></td></tr>=\r\n';
  const rows = row.repeat(Math.ceil(bytes / row.length));
  return `${head(subject, `MIME-Version: 1.0${CRLF}Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}`)}${CRLF}<html><body><table>=\r\n${rows}</table></body></html>${CRLF}`;
}

function nested(depth: number): string {
  let body = `Content-Type: text/plain${CRLF}${CRLF}deep${CRLF}`;
  for (let level = depth; level > 0; level--) {
    body = `Content-Type: multipart/mixed; boundary="b${level}"${CRLF}${CRLF}--b${level}${CRLF}${body}--b${level}--${CRLF}`;
  }
  return body;
}

/** The corpus: every message is accepted over SMTP; two of them the parser refuses. */
export function hostileCorpus(): HostileMessage[] {
  const folded = `X-Long: ${'a'.repeat(76)}${CRLF}`;
  const manyParts = Array.from({ length: 1_001 }, (_, i) => `--p${CRLF}Content-Type: text/plain${CRLF}${CRLF}part ${i}${CRLF}`).join('');
  return [
    { name: 'header of 1.1 MB', body: `${head('big header', folded.repeat(Math.ceil(1.1 * 1024 * 1024 / folded.length)))}${CRLF}body${CRLF}`, refused: 'maxHeadSize' },
    { name: '10,000 headers', body: `${head('many headers', Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v${CRLF}`).join(''))}${CRLF}body${CRLF}` },
    { name: '1,001 parts', body: `${head('many parts', `MIME-Version: 1.0${CRLF}Content-Type: multipart/mixed; boundary="p"${CRLF}`)}${CRLF}${manyParts}--p--${CRLF}`, refused: 'maxChildNodes' },
    { name: 'nesting 500 deep', body: `${head('deep', `MIME-Version: 1.0${CRLF}`)}${nested(500)}` },
    { name: 'broken boundaries', body: `${head('broken', `MIME-Version: 1.0${CRLF}Content-Type: multipart/mixed; boundary="x"${CRLF}`)}${CRLF}--y${CRLF}Content-Type: text/plain${CRLF}${CRLF}never closed${CRLF}--x${CRLF}` },
    {
      name: 'broken base64 and QP',
      body: `${head('encodings', `MIME-Version: 1.0${CRLF}Content-Type: multipart/mixed; boundary="e"${CRLF}`)}${CRLF}--e${CRLF}Content-Type: application/octet-stream; name="a.bin"${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}!!!not*base64===${CRLF}--e${CRLF}Content-Type: text/plain${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}=ZZ=4=${CRLF}--e--${CRLF}`,
    },
    { name: 'unknown charset', body: `${head('=?x-unknown-9?Q?caf=E9?=', `MIME-Version: 1.0${CRLF}Content-Type: text/plain; charset=x-unknown-9${CRLF}`)}${CRLF}caf\u00e9${CRLF}` },
    { name: 'NUL bytes', body: `${head('nul\0here')}${CRLF}a\0b\0c${CRLF}` },
    { name: 'no header/body separator', body: `From: a@ok.test${CRLF}To: bob@example.test${CRLF}Subject: no separator${CRLF}this line is not a header${CRLF}` },
    { name: '9.5 MB QP HTML', body: largeQpHtml(9.5 * 1024 * 1024, '9.5 MB QP HTML') },
  ];
}
