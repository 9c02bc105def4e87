import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { ConfigError, type Logger, type ServerTlsConfig } from '@switchyard/shared';

/** A certificate chain and its private key, as PEM. */
export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
}

/**
 * The gateway's HTTPS certificate (`server.tls`), re-read every
 * `reloadIntervalMs`: a renewed certificate is handed to `onChange` (the
 * server's `setSecureContext`), so new connections get it without a restart
 * while open ones keep theirs. Files that do not make a valid pair (a key
 * that does not match, a file caught half-written during a renewal) are
 * logged and ignored: the last good pair stays in use.
 */
export class ServerCertificate {
  private current: CertificatePair;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  /** Reads and checks the files now: a missing or invalid file is a ConfigError naming its `server.tls.*` path. */
  constructor(
    private readonly files: ServerTlsConfig,
    private readonly logger: Logger,
  ) {
    const pair = { cert: readAtStart(files.cert, 'server.tls.cert'), key: readAtStart(files.key, 'server.tls.key') };
    const problem = invalidity(pair);
    if (problem) throw new ConfigError(`server.tls: the certificate files do not make a valid TLS context: ${problem}`);
    this.current = pair;
  }

  /** The pair in use. */
  get pair(): CertificatePair {
    return this.current;
  }

  /** Checks the files every `reloadIntervalMs`, calling `onChange` with each new valid pair; the timer never keeps the process alive. */
  watch(onChange: (pair: CertificatePair) => void): void {
    this.close();
    this.timer = setInterval(() => void this.check(onChange), this.files.reloadIntervalMs).unref();
  }

  /** Checks the files once, now; resolves once a change (or a refused one) has been handled. */
  async check(onChange: (pair: CertificatePair) => void): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const [cert, key] = await Promise.all([readFile(this.files.cert), readFile(this.files.key)]);
      if (cert.equals(this.current.cert) && key.equals(this.current.key)) return;
      const next = { cert, key };
      const problem = invalidity(next);
      if (problem) {
        this.logger.warn({ files: this.paths(), reason: problem }, 'https-certificate-refused');
        return;
      }
      this.current = next;
      onChange(next);
      this.logger.info({ files: this.paths(), serialNumber: new X509Certificate(cert).serialNumber }, 'https-certificate-reloaded');
    } catch (error) {
      // A file briefly missing while it is replaced: the next check reads it again.
      this.logger.warn(
        { files: this.paths(), reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message },
        'https-certificate-unreadable',
      );
    } finally {
      this.checking = false;
    }
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private paths(): { cert: string; key: string } {
    return { cert: this.files.cert, key: this.files.key };
  }
}

function readAtStart(file: string, path: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(`${path}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Why the pair does not make a TLS context (never its content), or undefined when it does. */
function invalidity({ cert, key }: CertificatePair): string | undefined {
  try {
    new X509Certificate(cert);
  } catch {
    return 'server.tls.cert holds no PEM certificate';
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    // OpenSSL's reason ("key values mismatch"), which carries no key material.
    return `server.tls.key does not fit server.tls.cert (${(error as Error).message})`;
  }
  return undefined;
}
