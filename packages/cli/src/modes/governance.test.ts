import path from 'node:path';
import { loadConfig } from '@switchyard/shared';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { auditSigningKeyFile } from './governance';

describe('auditSigningKeyFile', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-governance-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  function configWith(yaml: string) {
    const file = path.join(directory, 'switchyard.yaml');
    writeFileSync(file, yaml);
    return loadConfig(file, {}).config;
  }

  it('keeps the key beside the embedded data directory unless the config names a file', () => {
    expect(auditSigningKeyFile(loadConfig(undefined, {}).config)).toBe(path.join('.switchyard', 'audit-signing-key.pem'));
    expect(auditSigningKeyFile(configWith('observability: { dataDirectory: /srv/switchyard/data }\n'))).toBe('/srv/switchyard/audit-signing-key.pem');
    expect(
      auditSigningKeyFile(configWith('audit: { signingKeyFile: /etc/switchyard/audit.pem }\nobservability: { dataDirectory: /srv/data }\n')),
    ).toBe('/etc/switchyard/audit.pem');
  });
});
