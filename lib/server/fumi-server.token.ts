import { Inject } from '@nestjs/common';
import { DEFAULT_SERVER_NAME } from '../fumi.constants.js';
import { FumiServer } from './fumi.server.js';

/**
 * The injection token of a server: the `FumiServer` class for the default one, a string for
 * named ones.
 */
export function getFumiServerToken(name: string = DEFAULT_SERVER_NAME): string | typeof FumiServer {
  return name === DEFAULT_SERVER_NAME ? FumiServer : `FumiServer:${name}`;
}

/**
 * Injects the `FumiServer` of a named server.
 *
 * @example
 * constructor(@InjectFumiServer('submission') private readonly submission: FumiServer) {}
 */
export const InjectFumiServer = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getFumiServerToken(name));
