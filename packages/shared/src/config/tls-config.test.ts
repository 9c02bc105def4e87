import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-tls-config-')), 'switchyard.yaml');
  writeFileSync(path, text);
  return path;
}

function failure(path: string, env: Record<string, string> = {}): string {
  try {
    loadConfig(path, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('the tls config section', () => {
  it('is off by default: plaintext, client certificates required once on, insecure binds refused', () => {
    const { config } = loadConfig(undefined, {});
    expect(config.tls).toEqual({ requireClientCert: true, reloadIntervalMs: 10_000, allowInsecure: false });
  });

  it('takes the files from SWITCHYARD_TLS_CA, _CERT and _KEY over the config file, keeping its other settings', () => {
    const file = configFile('tls:\n  ca: /etc/old/ca.pem\n  requireClientCert: false\n  serverName: switchyard.internal\n');
    const { config } = loadConfig(file, {
      SWITCHYARD_TLS_CA: '/run/tls/ca.pem',
      SWITCHYARD_TLS_CERT: '/run/tls/tls.crt',
      SWITCHYARD_TLS_KEY: '/run/tls/tls.key',
    });
    expect(config.tls).toEqual({
      ca: '/run/tls/ca.pem',
      cert: '/run/tls/tls.crt',
      key: '/run/tls/tls.key',
      requireClientCert: false,
      serverName: 'switchyard.internal',
      reloadIntervalMs: 10_000,
      allowInsecure: false,
    });
  });

  it('names the missing half of a certificate and key, and the CA a certificate needs', () => {
    expect(failure(configFile('tls:\n  ca: /ca.pem\n  cert: /tls.crt\n'))).toContain('  - tls.key: is required with tls.cert');
    expect(failure(configFile('tls:\n  ca: /ca.pem\n  key: /tls.key\n'))).toContain('  - tls.cert: is required with tls.key');
    expect(failure(configFile('tls:\n  cert: /tls.crt\n  key: /tls.key\n'))).toContain('  - tls.ca: is required with tls.cert');
    expect(failure(configFile('tls:\n  allowInsecure: "yes"\n'))).toMatch(/tls\.allowInsecure: .*expected boolean/);
    expect(failure(configFile('tls:\n  certificate: /tls.crt\n'))).toMatch(/tls: .*certificate/);
  });
});
