import type { SMTPServer } from 'smtp-server';

/** Starts listening and resolves with the port the system picked. */
export function listenOn(smtp: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(port, host, () => {
      smtp.server.off('error', reject);
      const address = smtp.server.address();
      if (!address || typeof address === 'string') return reject(new Error('no TCP address'));
      resolve(address.port);
    });
  });
}
