import { isIP } from 'node:net';
import { credentials, experimental, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { ConfigError, type Logger } from '@switchyard/shared';
import { CertificateFileWatcher } from './certificate-file-watcher';

/** The `tls` section of the config, as the gRPC servers and clients read it. */
export interface GrpcTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  requireClientCert: boolean;
  serverName?: string;
  reloadIntervalMs: number;
  allowInsecure: boolean;
}

export interface GrpcServerSecurity {
  credentials: ServerCredentials;
  /** Whether calls arrive over TLS. */
  secure: boolean;
  /** Stops watching the certificate files. */
  close(): void;
}

export interface GrpcClientSecurity {
  credentials: ChannelCredentials;
  /** `grpc.ssl_target_name_override` when `serverName` is set. */
  channelOptions: ChannelOptions;
  secure: boolean;
  close(): void;
}

export interface ServerSecurityOptions {
  tls: GrpcTlsOptions;
  /** Where the server listens, and the config path it came from (`services.adapters`), for errors. */
  address: string;
  addressPath: string;
  /** A client certificate is required whatever `tls.requireClientCert` says (the adapter service). */
  alwaysRequireClientCert?: boolean;
  logger: Logger;
}

/**
 * The credentials of one gRPC server. With `tls.cert`, it serves TLS, and
 * requires a client certificate signed by `tls.ca` when `requireClientCert`
 * (or `alwaysRequireClientCert`); certificates are reloaded when their files
 * change. Without it, it is plaintext, which is allowed on loopback only
 * unless `tls.allowInsecure` (warned about at every start).
 */
export function grpcServerSecurity({
  tls,
  address,
  addressPath,
  alwaysRequireClientCert = false,
  logger,
}: ServerSecurityOptions): GrpcServerSecurity {
  if (tls.cert === undefined || tls.key === undefined) {
    checkPlaintext(address, addressPath, tls, logger, 'grpc-server-plaintext');
    return { credentials: ServerCredentials.createInsecure(), secure: false, close: () => {} };
  }
  if (tls.ca === undefined) throw new ConfigError('tls.ca: is required with tls.cert: the CA that verifies the other services');
  const requireClientCert = alwaysRequireClientCert || tls.requireClientCert;
  const files = new CertificateFileWatcher({ ca: tls.ca, cert: tls.cert, key: tls.key }, tls.reloadIntervalMs, logger);
  // One provider gives both the identity and the CA: grpc-js asks each of them for its part.
  const serverCredentials = experimental.createCertificateProviderServerCredentials(files, files, requireClientCert);
  logger.info({ address, requireClientCert }, 'grpc-server-tls');
  return { credentials: serverCredentials, secure: true, close: () => files.close() };
}

export interface ClientSecurityOptions {
  tls: GrpcTlsOptions;
  /** The addresses this process calls, by config path, for the plaintext check. */
  addresses: Record<string, string>;
  logger: Logger;
}

/**
 * The credentials of the clients of one process. With `tls.ca`, calls go
 * over TLS, checking the server's certificate against it, and present
 * `tls.cert` when set. Without it, they are plaintext, allowed to loopback
 * addresses only unless `tls.allowInsecure`.
 */
export function grpcClientSecurity({ tls, addresses, logger }: ClientSecurityOptions): GrpcClientSecurity {
  if (tls.ca === undefined) {
    for (const [path, address] of Object.entries(addresses)) checkPlaintext(address, path, tls, logger, 'grpc-client-plaintext');
    return { credentials: credentials.createInsecure(), channelOptions: {}, secure: false, close: () => {} };
  }
  const withIdentity = tls.cert !== undefined && tls.key !== undefined;
  const files = new CertificateFileWatcher(
    withIdentity ? { ca: tls.ca, cert: tls.cert, key: tls.key } : { ca: tls.ca },
    tls.reloadIntervalMs,
    logger,
  );
  return {
    credentials: experimental.createCertificateProviderChannelCredentials(files, withIdentity ? files : null),
    channelOptions: tls.serverName === undefined ? {} : { 'grpc.ssl_target_name_override': tls.serverName },
    secure: true,
    close: () => files.close(),
  };
}

function checkPlaintext(address: string, addressPath: string, tls: GrpcTlsOptions, logger: Logger, event: string): void {
  if (isLoopbackAddress(address)) return;
  if (!tls.allowInsecure) {
    throw new ConfigError(
      `${addressPath}: ${address} is not a loopback address, and gRPC without TLS is refused there: ` +
        'set tls.ca, tls.cert and tls.key (SWITCHYARD_TLS_CA, SWITCHYARD_TLS_CERT, SWITCHYARD_TLS_KEY), ' +
        'or tls.allowInsecure: true to accept plaintext',
    );
  }
  logger.warn({ address, path: addressPath }, `${event}: gRPC without TLS on a non-loopback address (tls.allowInsecure)`);
}

/**
 * Whether a gRPC address stays on this machine: a loopback IP or
 * `localhost` (with a port, optionally a `dns:`/`ipv4:`/`ipv6:` scheme), or
 * a Unix socket. A name that DNS resolves, or `0.0.0.0`, is not.
 */
export function isLoopbackAddress(address: string): boolean {
  if (/^unix(-abstract)?:/.test(address)) return true;
  const withoutScheme = address.replace(/^(?:dns|ipv4|ipv6):(?:\/\/[^/]*\/)?/, '');
  const hosts = withoutScheme.split(',').map(hostOf);
  return hosts.length > 0 && hosts.every(isLoopbackHost);
}

function hostOf(hostPort: string): string {
  const bracketed = hostPort.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) return bracketed[1];
  if (isIP(hostPort) === 6) return hostPort;
  const colon = hostPort.lastIndexOf(':');
  return colon < 0 ? hostPort : hostPort.slice(0, colon);
}

function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  return false;
}
