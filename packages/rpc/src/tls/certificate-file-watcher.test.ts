import { readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigError, type Logger } from '@switchyard/shared';
import { TestCertificates } from '../../../../test/support/test-certificates';
import { CertificateFileWatcher } from './certificate-file-watcher';

/** A logger whose lines the test reads. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** The next update each listener gets. */
function nextIdentity(watcher: CertificateFileWatcher) {
  return new Promise<Buffer | undefined>((resolve) => {
    const listener = (update: { certificate: Buffer } | null) => {
      watcher.removeIdentityCertificateListener(listener);
      resolve(update?.certificate);
    };
    watcher.addIdentityCertificateListener(listener);
  });
}

describe('CertificateFileWatcher', () => {
  let certificates: TestCertificates;
  const watchers: CertificateFileWatcher[] = [];

  beforeAll(async () => {
    certificates = await TestCertificates.create();
  });

  afterEach(() => {
    for (const watcher of watchers.splice(0)) watcher.close();
  });

  afterAll(async () => {
    await certificates.remove();
  });

  function watch(files: { ca: string; cert?: string; key?: string }, logger: Logger = capturingLogger().logger): CertificateFileWatcher {
    const watcher = new CertificateFileWatcher(files, 60_000, logger);
    watchers.push(watcher);
    return watcher;
  }

  it('gives the identity and the CA it read at start to each listener', async () => {
    const files = await certificates.mutualTls('start');
    const watcher = watch(files);
    expect(await nextIdentity(watcher)).toEqual(readFileSync(files.cert));
    const ca = await new Promise<Buffer | undefined>((resolve) => watcher.addCaCertificateListener((update) => resolve(update?.caCertificate)));
    expect(ca).toEqual(readFileSync(files.ca));
  });

  it('refuses missing or invalid files at start with an error naming the tls path', async () => {
    const files = await certificates.mutualTls('invalid');
    expect(() => watch({ ...files, key: `${files.key}.missing` })).toThrow(new ConfigError(`tls.key: cannot read ${files.key}.missing: ENOENT`));
    const other = await (await certificates.authority('other')).issue('other');
    expect(() => watch({ ...files, key: other.key })).toThrow(
      /^tls: the certificate files do not make a valid TLS context: tls.key does not fit tls.cert/,
    );
    writeFileSync(`${files.ca}.garbage`, 'not a certificate');
    expect(() => watch({ ...files, ca: `${files.ca}.garbage` })).toThrow('tls.ca holds no PEM certificate');
  });

  it('publishes a renewed certificate, keeps the last good one over a half-renewed pair, and never logs key material', async () => {
    const authority = await certificates.authority('renew');
    const first = await authority.issue('renew');
    const { logger, lines } = capturingLogger();
    const watcher = watch({ ca: authority.ca, cert: first.cert, key: first.key }, logger);
    const firstCert = readFileSync(first.cert);
    const updates: Array<Buffer | undefined> = [];
    watcher.addIdentityCertificateListener((update) => updates.push(update?.certificate));
    await watcher.check();
    expect(updates).toEqual([firstCert]); // the initial one only: nothing changed

    // Only the key renewed so far: the pair does not fit, and nothing is published.
    const second = await authority.issue('renew');
    writeFileSync(first.key, readFileSync(second.key));
    await watcher.check();
    expect(updates).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({
      level: 40,
      msg: 'tls-certificates-refused',
      reason: expect.stringContaining('tls.key does not fit tls.cert'),
    });

    writeFileSync(first.cert, readFileSync(second.cert));
    await watcher.check();
    expect(updates).toEqual([firstCert, readFileSync(second.cert)]);
    expect(lines.at(-1)).toMatchObject({ level: 30, msg: 'tls-certificates-reloaded', serialNumber: second.serialNumber });
    expect(JSON.stringify(lines)).not.toContain('PRIVATE KEY');
  });
});
