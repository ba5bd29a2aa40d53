/**
 * One row of `npm run bench:micro` for one variant, in a process of its own: what earlier rows
 * leave behind (sessions still open, a heap grown by the other app) cannot slow it down. Prints
 * `{ "us": <µs per call> }` on stdout.
 */
import 'reflect-metadata';
import { bootMicroVariant, type MicroVariant } from './micro-variant.js';
import { microsPerCall } from './micros-per-call.js';

const [variant, row, iterations, rounds] = process.argv.slice(2);
const target = await bootMicroVariant(variant as MicroVariant);
const call = target.rows[row!];
if (!call) throw new Error(`bench:micro: ${variant} has no row "${row}"`);
const us = await microsPerCall(call, Number(iterations), Number(rounds));
await target.close();
process.stdout.write(`${JSON.stringify({ us })}\n`);
