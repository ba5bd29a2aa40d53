import { BadRequestException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LocalRecipientPipe } from './local-recipient.pipe';

describe('LocalRecipientPipe', () => {
  const pipe = new LocalRecipientPipe(
    new ConfigService({ smtp: { localDomain: 'example.test' } }),
  );

  it('gives the lower-cased mailbox of a local recipient', () => {
    expect(pipe.transform({ address: 'Bob@Example.TEST', args: {} })).toBe(
      'bob@example.test',
    );
  });

  it('refuses other domains', () => {
    expect(() =>
      pipe.transform({ address: 'bob@elsewhere.test', args: {} }),
    ).toThrow(BadRequestException);
  });
});
