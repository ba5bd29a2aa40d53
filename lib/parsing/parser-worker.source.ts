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
 * sends no faster than the parser reads). Every stream it opens is destroyed whatever the outcome.
 */
export const PARSER_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createReadStream } = require('node:fs');
const { PassThrough } = require('node:stream');
const { simpleParser } = require(workerData.mailparser);

let input = null;

parentPort.on('message', (message) => {
  if (message.type === 'job') return void run(message);
  if (!input || message.id !== input.jobId) return;
  if (message.type === 'chunk') {
    const chunk = Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength);
    input.write(chunk, () => parentPort.postMessage({ type: 'ack', id: message.id, bytes: chunk.length }));
  } else if (message.type === 'end') input.end();
  else if (message.type === 'abort') input.destroy(new Error(message.reason));
});

function keepAttachments(mail, keep, transfer) {
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
}

async function run(job) {
  const source = job.path ? createReadStream(job.path) : new PassThrough({ highWaterMark: 256 * 1024 });
  source.on('error', () => undefined);
  if (!job.path) {
    source.jobId = job.id;
    input = source;
  }
  try {
    const mail = await simpleParser(source, job.options);
    const transfer = [];
    keepAttachments(mail, job.keepAttachments, transfer);
    parentPort.postMessage({ type: 'done', id: job.id, mail }, transfer);
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    parentPort.postMessage({ type: 'failed', id: job.id, error: { name: failure.name, message: failure.message, code: failure.code } });
  } finally {
    source.destroy();
    if (input === source) input = null;
  }
}
`;
