import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its key, as PEM files. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface IssuedCertificate extends CertificateFiles {
  serialNumber: string;
}

export interface IssueOptions {
  /** Subject alternative names; `IP:127.0.0.1,DNS:localhost` unless given. */
  subjectAltName?: string;
  /** Write over these files (a renewal), through a rename each, rather than new ones. */
  into?: CertificateFiles;
}

/** A certificate authority whose files live in a temporary folder. */
export interface TestAuthority {
  /** The CA certificate: what `tls.ca` points to. */
  ca: string;
  issue(name: string, options?: IssueOptions): Promise<IssuedCertificate>;
}

/**
 * Certificates for tests, made with the `openssl` command into a temporary
 * folder that `remove()` deletes: authorities, and certificates they sign
 * for 127.0.0.1 and localhost, usable both as server and as client
 * certificates (EC P-256, valid one day).
 */
export class TestCertificates {
  private constructor(readonly directory: string) {}

  static async create(): Promise<TestCertificates> {
    return new TestCertificates(await mkdtemp(path.join(tmpdir(), 'switchyard-tls-')));
  }

  /** A new self-signed CA. */
  async authority(name: string): Promise<TestAuthority> {
    const ca = this.file(`${name}-ca.crt`);
    const caKey = this.file(`${name}-ca.key`);
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      caKey,
      '-out',
      ca,
      '-days',
      '1',
      '-subj',
      `/CN=${name} test CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return { ca, issue: (leaf, options) => this.issue(ca, caKey, leaf, options) };
  }

  /** A CA and one certificate it signed: what a process needs for mutual TLS (`tls.ca`, `tls.cert`, `tls.key`). */
  async mutualTls(name = 'switchyard'): Promise<{ ca: string; cert: string; key: string }> {
    const authority = await this.authority(name);
    const { cert, key } = await authority.issue(`${name}-service`);
    return { ca: authority.ca, cert, key };
  }

  async remove(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }

  private async issue(ca: string, caKey: string, name: string, options: IssueOptions = {}): Promise<IssuedCertificate> {
    const unique = `${name}-${randomBytes(4).toString('hex')}`;
    const request = this.file(`${unique}.csr`);
    const extensions = this.file(`${unique}.ext`);
    const cert = this.file(`${unique}.crt`);
    const key = this.file(`${unique}.key`);
    await writeFile(
      extensions,
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=${options.subjectAltName ?? 'IP:127.0.0.1,DNS:localhost'}`,
        '',
      ].join('\n'),
    );
    await openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      request,
      '-subj',
      `/CN=${name}`,
    ]);
    await openssl([
      'x509',
      '-req',
      '-in',
      request,
      '-CA',
      ca,
      '-CAkey',
      caKey,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '1',
      '-extfile',
      extensions,
      '-out',
      cert,
    ]);
    const serialNumber = new X509Certificate(await readFile(cert)).serialNumber;
    if (!options.into) return { cert, key, serialNumber };
    // The key first: a reader that catches the pair in between sees a mismatch, which must be ignored.
    await rename(key, options.into.key);
    await rename(cert, options.into.cert);
    return { ...options.into, serialNumber };
  }

  private file(name: string): string {
    return path.join(this.directory, name);
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`openssl ${args[0]} failed (is the openssl command installed?): ${stderr ?? (error as Error).message}`, {
      cause: error,
    });
  }
}
