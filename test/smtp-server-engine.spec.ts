import { engineVersion, engineVersionWarning, VERIFIED_ENGINE_VERSIONS } from '../lib/smtp-server/index.js';

describe('the smtp-server version check', () => {
  it('finds the loaded smtp-server inside the verified range', () => {
    const version = engineVersion();
    expect([VERIFIED_ENGINE_VERSIONS.lowest, VERIFIED_ENGINE_VERSIONS.newest]).toContain(version);
    expect(engineVersionWarning(version)).toBeUndefined();
  });

  it.each(['3.21.5', '3.22.0', '4.0.0', '2.99.99'])('warns naming %s, outside the range', (version) => {
    expect(engineVersionWarning(version)).toBe(
      `smtp-server ${version} is outside the range nestjs-fumi was verified with (3.21.6 to 3.21.7): ` +
        'the hooks in its smtp-server adapter may not hold',
    );
  });

  it('warns when the version cannot be read', () => {
    expect(engineVersionWarning(undefined)).toMatch(/^smtp-server \(version unknown\) is outside the range/);
  });
});
