import { connect, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { onEachConnection, watchClientInput, type ClientInputWatcher } from '../lib/smtp-server/index.js';
import { waitFor } from './support/wait-for.js';

/** A watcher that writes down what it is told. */
function recorder(name: string, log: string[]): ClientInputWatcher {
  return {
    partialLine: () => log.push(`${name} partial`),
    noPartialLine: () => log.push(`${name} complete`),
    messageArrived: () => log.push(`${name} arrived`),
    messageTaken: () => log.push(`${name} taken`),
    messageEnd: () => log.push(`${name} end`),
  };
}

describe('the smtp-server adapter over a real smtp-server', () => {
  let smtp: SMTPServer;
  let client: Socket;
  const log: string[] = [];
  let received = '';

  beforeAll(async () => {
    smtp = new SMTPServer({ logger: false, disabledCommands: ['AUTH', 'STARTTLS'], disableReverseLookup: true });
    // Two watches on one connection's parser: both are told, in the order they were added.
    onEachConnection(smtp, (connection) => {
      watchClientInput(connection, recorder('first', log));
      watchClientInput(connection, recorder('second', log));
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as { port: number };
    client = connect(port, '127.0.0.1');
    client.on('data', (data) => (received += data.toString()));
    await waitFor(() => received.startsWith('220 '));
  });

  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('tells every watch of a parser that a command line is half sent, then that it is complete', async () => {
    client.write('EHLO cli');
    await waitFor(() => log.length >= 2);
    expect(log).toEqual(['first partial', 'second partial']);
    log.length = 0;
    client.write('ent.test\r\n');
    await waitFor(() => /^250 /m.test(received) && log.length >= 2);
    expect(log).toEqual(['first complete', 'second complete']);
  });
});
