import { createRequire } from 'node:module';
import { callerFile } from '../runtime/own-file.js';

/** mailparser's CommonJS entry as this package resolves it, for the worker to `require`. */
export function mailparserEntry(): string {
  return createRequire(callerFile()).resolve('mailparser');
}

/**
 * The worker's code, evaluated rather than loaded from a file so that the same pool runs from
 * `dist/esm`, `dist/cjs` and TypeScript sources under a test runner. One job at a time: a file
 * it opens itself, or chunks the pool sends (acknowledged as the parser takes them, so the pool
 * sends no faster than the parser reads). Attachments it is not asked to keep are read through
 * and dropped, never held. Every stream it opens is destroyed whatever the outcome.
 */
export const PARSER_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createReadStream } = require('node:fs');
const { PassThrough } = require('node:stream');
const { simpleParser, MailParser } = require(workerData.mailparser);

const HEADER_FIELDS = ['subject', 'references', 'date', 'to', 'from', 'cc', 'bcc', 'message-id', 'in-reply-to', 'reply-to'];
/** Heap left after a parse past which the thread collects at once, rather than letting V8 grow it. */
const COLLECT_ABOVE = 64 * 1024 * 1024;
const v8 = require('node:v8');
v8.setFlagsFromString('--expose-gc');
const collect = require('node:vm').runInNewContext('gc');
let input = null;

parentPort.on('message', (message) => {
  if (message.type === 'job') return void run(message);
  if (!input || message.id !== input.jobId) return;
  if (message.type === 'chunk') {
    const chunk = Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength);
    input.write(chunk, () => parentPort.postMessage({ type: 'ack', id: message.id, bytes: chunk.length }));
  } else if (message.type === 'end') input.end();
});

/** simpleParser's result, keeping the content of one attachment (an index) or of none. */
function selectiveParse(source, options, keep) {
  return new Promise((resolve, reject) => {
    const mail = { attachments: [] };
    const parser = new MailParser(options);
    let settled = false;
    const settle = (error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(mail);
    };
    parser.on('error', settle);
    parser.on('headers', (headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines;
    });
    parser.on('data', (data) => {
      if (data.type === 'text') {
        for (const key of ['text', 'html', 'textAsHtml', 'textConversionError']) if (key in data) mail[key] = data[key];
        return;
      }
      const index = mail.attachments.length;
      const chunks = [];
      let size = 0;
      mail.attachments.push(data);
      data.content.on('data', (chunk) => {
        size += chunk.length;
        if (index === keep) chunks.push(chunk);
      });
      data.content.on('end', () => {
        data.content = Buffer.concat(chunks);
        data.size = size;
        data.release();
      });
    });
    parser.on('end', () => {
      if (!('html' in mail)) mail.html = false; // as simpleParser says "no HTML"
      for (const key of HEADER_FIELDS) {
        if (mail.headers && mail.headers.has(key)) mail[key.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = mail.headers.get(key);
      }
      settle();
    });
    source.once('error', (error) => {
      parser.destroy();
      settle(error);
    });
    source.pipe(parser);
  });
}

function prepare(mail, job, transfer) {
  const keep = job.omit.includes('attachmentContents') ? 'none' : job.keepAttachments;
  mail.attachments = mail.attachments.map((attachment, index) => {
    const content = attachment.content;
    if (keep === 'all' || keep === index) {
      const copy = new Uint8Array(content.length);
      copy.set(content);
      transfer.push(copy.buffer);
      return { ...attachment, content: copy };
    }
    return { ...attachment, content: new Uint8Array(0) };
  });
  for (const body of job.omit) if (typeof mail[body] === 'string') mail[body] = '';
  if (job.htmlAs === 'buffer' && typeof mail.html === 'string') {
    const bytes = Buffer.from(mail.html);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    transfer.push(copy.buffer);
    mail.html = copy;
  }
}

async function run(job) {
  const source = job.path ? createReadStream(job.path) : new PassThrough({ highWaterMark: 256 * 1024 });
  source.on('error', () => undefined);
  if (!job.path) {
    source.jobId = job.id;
    input = source;
  }
  try {
    const mail = job.keepAttachments === 'all' ? await simpleParser(source, job.options) : await selectiveParse(source, job.options, job.keepAttachments);
    const transfer = [];
    prepare(mail, job, transfer);
    parentPort.postMessage({ type: 'done', id: job.id, mail }, transfer);
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    parentPort.postMessage({ type: 'failed', id: job.id, error: { name: failure.name, message: failure.message, code: failure.code } });
  } finally {
    source.destroy();
    if (input === source) input = null;
    // a parse leaves many times the message's size behind; V8 alone would let a thread hold hundreds of MB
    setImmediate(() => {
      if (v8.getHeapStatistics().used_heap_size > COLLECT_ABOVE) collect();
    });
  }
}
`;
