/** Every worker of a `MessageParserPool` is parsing and its queue is full: try again later. */
export class ParserPoolBusyError extends Error {
  override readonly name = 'ParserPoolBusyError';
  readonly code = 'EPARSERBUSY';

  constructor(readonly queued: number) {
    super(`Every message parser is busy and ${queued} messages are waiting; try again later`);
  }
}
