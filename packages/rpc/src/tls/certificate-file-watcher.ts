import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { experimental } from '@grpc/grpc-js';
import { ConfigError, type Logger } from '@switchyard/shared';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export interface CertificateFiles {
  /** CA bundle (PEM) that the other side's certificate must chain to. */
  ca: string;
  /** Certificate chain (PEM) and its private key; absent for a client that presents none. */
  cert?: string;
  key?: string;
}

interface Contents {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * The certificate files as a grpc-js certificate provider, re-read every
 * `reloadIntervalMs` while a server or channel uses them: a renewed
 * certificate is served (and presented) without a restart. A set of files
 * that does not make a valid context (a key that does not match its
 * certificate, a file caught half-written during a renewal) is logged and
 * ignored: the last good set stays in use, and the next check tries again.
 */
export class CertificateFileWatcher implements CertificateProvider {
  private current: Contents;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  /** Reads and checks the files now: a missing or invalid file is a ConfigError naming its `tls.*` path. */
  constructor(
    private readonly files: CertificateFiles,
    private readonly reloadIntervalMs: number,
    private readonly logger: Logger,
  ) {
    const contents: Contents = { ca: readAtStart(files.ca, 'tls.ca') };
    if (files.cert !== undefined && files.key !== undefined) {
      contents.cert = readAtStart(files.cert, 'tls.cert');
      contents.key = readAtStart(files.key, 'tls.key');
    }
    const problem = invalidity(contents);
    if (problem) throw new ConfigError(`tls: the certificate files do not make a valid TLS context: ${problem}`);
    this.current = contents;
  }

  /** Checks the files once, now: resolves once a change (or a refused one) has been handled. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const [ca, cert, key] = await Promise.all([
        readFile(this.files.ca),
        this.files.cert === undefined ? undefined : readFile(this.files.cert),
        this.files.key === undefined ? undefined : readFile(this.files.key),
      ]);
      const next: Contents = { ca, cert, key };
      const caChanged = !ca.equals(this.current.ca);
      const identityChanged = !sameBuffer(cert, this.current.cert) || !sameBuffer(key, this.current.key);
      if (!caChanged && !identityChanged) return;
      const problem = invalidity(next);
      if (problem) {
        this.logger.warn({ files: this.files, reason: problem }, 'tls-certificates-refused');
        return;
      }
      this.current = next;
      this.logger.info({ files: this.files, serialNumber: serialNumber(next.cert) }, 'tls-certificates-reloaded');
      if (caChanged) for (const listener of this.caListeners) listener(this.caUpdate());
      if (identityChanged) for (const listener of this.identityListeners) listener(this.identityUpdate());
    } catch (error) {
      // A file briefly missing while it is replaced: the next check reads it again.
      this.logger.warn({ files: this.files, reason: (error as Error).message }, 'tls-certificates-unreadable');
    } finally {
      this.checking = false;
    }
  }

  /** Stops checking the files, whoever still listens. */
  close(): void {
    this.caListeners.clear();
    this.identityListeners.clear();
    this.updateTimer();
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.updateTimer();
    // As grpc-js's own providers do: after the caller has finished registering itself.
    process.nextTick(() => this.caListeners.has(listener) && listener(this.caUpdate()));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.updateTimer();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.updateTimer();
    process.nextTick(() => this.identityListeners.has(listener) && listener(this.identityUpdate()));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.updateTimer();
  }

  private caUpdate(): experimental.CaCertificateUpdate {
    return { caCertificate: this.current.ca };
  }

  private identityUpdate(): experimental.IdentityCertificateUpdate | null {
    const { cert, key } = this.current;
    return cert && key ? { certificate: cert, privateKey: key } : null;
  }

  /** Checks the files only while someone listens; the timer never keeps the process alive by itself. */
  private updateTimer(): void {
    const listening = this.caListeners.size + this.identityListeners.size > 0;
    if (listening && this.timer === undefined) {
      this.timer = setInterval(() => void this.check(), this.reloadIntervalMs).unref();
    } else if (!listening && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

function readAtStart(file: string, path: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(`${path}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function sameBuffer(left: Buffer | undefined, right: Buffer | undefined): boolean {
  return left === undefined || right === undefined ? left === right : left.equals(right);
}

/** Why the files do not make a TLS context (never their content), or undefined when they do. */
function invalidity({ ca, cert, key }: Contents): string | undefined {
  try {
    new X509Certificate(ca);
  } catch {
    return 'tls.ca holds no PEM certificate';
  }
  if (cert === undefined || key === undefined) return undefined;
  try {
    new X509Certificate(cert);
  } catch {
    return 'tls.cert holds no PEM certificate';
  }
  const options: SecureContextOptions = { ca, cert, key };
  try {
    createSecureContext(options);
  } catch (error) {
    // OpenSSL's reason ("key values mismatch", "bad decrypt"), which carries no key material.
    return `tls.key does not fit tls.cert (${(error as Error).message})`;
  }
  return undefined;
}

function serialNumber(cert: Buffer | undefined): string | undefined {
  return cert === undefined ? undefined : new X509Certificate(cert).serialNumber;
}
