import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ed25519CheckpointKey, loadCheckpointSigningKey, loadCheckpointVerifyingKey } from './checkpoint-signer';

describe('the checkpoint signing key', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-audit-key-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('is generated once for the embedded mode, kept private, and the same key after a restart', () => {
    const file = path.join(directory, 'nested', 'audit-signing-key.pem');
    const first = loadCheckpointSigningKey({ env: {}, file, generateIfMissing: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadCheckpointSigningKey({ env: {}, file, generateIfMissing: true });
    expect(again.keyId).toBe(first.keyId);
    expect(again.verify('payload', first.sign('payload'))).toBe(true);
  });

  it('comes from SWITCHYARD_AUDIT_SIGNING_KEY before any file', () => {
    const key = Ed25519CheckpointKey.generate();
    const loaded = loadCheckpointSigningKey({ env: { SWITCHYARD_AUDIT_SIGNING_KEY: key.privateKeyPem() }, file: path.join(directory, 'unused.pem') });
    expect(loaded.keyId).toBe(key.keyId);
  });

  it('is not generated when a deployment must provide it', () => {
    expect(() => loadCheckpointSigningKey({ env: {}, file: path.join(directory, 'missing.pem') })).toThrow(/Cannot read the audit signing key/);
    expect(() => loadCheckpointSigningKey({ env: {} })).toThrow(/SWITCHYARD_AUDIT_SIGNING_KEY/);
  });

  it('refuses a key that is not Ed25519 PEM, without quoting it', () => {
    expect(() => loadCheckpointSigningKey({ env: { SWITCHYARD_AUDIT_SIGNING_KEY: 'not-a-key-0123456789' } })).toThrow(
      /not an Ed25519 PKCS#8 PEM private key/,
    );
    expect(() => loadCheckpointSigningKey({ env: { SWITCHYARD_AUDIT_SIGNING_KEY: 'not-a-key-0123456789' } })).not.toThrow(/0123456789/);
  });

  it('verifies with the public key alone, which cannot sign; a signature over other bytes fails', () => {
    const key = Ed25519CheckpointKey.generate();
    const publicFile = path.join(directory, 'audit.pub.pem');
    writeFileSync(publicFile, key.publicKeyPem());
    const verifying = loadCheckpointVerifyingKey(publicFile);
    expect(verifying.keyId).toBe(key.keyId);
    expect(verifying.verify('head 7', key.sign('head 7'))).toBe(true);
    expect(verifying.verify('head 8', key.sign('head 7'))).toBe(false);
    expect(() => verifying.sign('head 7')).toThrow(/cannot sign/);
    expect(readFileSync(publicFile, 'utf8')).toContain('PUBLIC KEY');
  });
});
