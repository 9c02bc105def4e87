import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SignatureV4 } from '@smithy/signature-v4';
import { ProviderError } from '@switchyard/shared';
import type { UpstreamRequest } from '../http/upstream-client';
import type { CredentialSource } from './credential-source';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where the signer gets its credentials, each time it signs (they may rotate). */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** How long a profile read from the shared credentials file is used before the file is read again. */
const SHARED_FILE_TTL_MS = 5 * 60_000;

/**
 * The standard credential chain, in the AWS SDKs' order for what it covers:
 * the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`), then the profile (`profile`, else `AWS_PROFILE`,
 * else `default`) of the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`,
 * else `~/.aws/credentials`) or of the shared config file (`AWS_CONFIG_FILE`,
 * else `~/.aws/config`). The files are read by the AWS SDKs' own loader.
 */
export function awsCredentialChain(options: {
  providerId: string;
  env: Record<string, string | undefined>;
  profile?: string;
  now?: () => number;
}): AwsCredentialProvider {
  const { env, providerId } = options;
  const now = options.now ?? Date.now;
  let cached: { credentials: AwsCredentials; until: number } | undefined;
  return async () => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (accessKeyId && secretAccessKey) {
      return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
    }
    if (cached && cached.until > now()) return cached.credentials;
    const profile = options.profile ?? env.AWS_PROFILE ?? 'default';
    const home = env.HOME ?? homedir();
    // The AWS SDK's helpers are loaded at the first signature, not at start (most configs have no AWS provider).
    const { loadSharedConfigFiles } = await import('@smithy/core/config');
    const files = await loadSharedConfigFiles({
      filepath: env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'),
      configFilepath: env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'),
      ignoreCache: true,
    });
    const section = files.credentialsFile[profile] ?? files.configFile[profile];
    const fileKeyId = section?.aws_access_key_id;
    const fileSecret = section?.aws_secret_access_key;
    if (!fileKeyId || !fileSecret) {
      throw new ProviderError(
        `No AWS credentials for provider ${providerId}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
          `give profile "${profile}" keys in the shared credentials file, or use a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK).`,
        { providerId, status: 502, errorClass: 'upstream', code: 'upstream_credentials_missing', retryable: false },
      );
    }
    const sessionToken = section.aws_session_token;
    const credentials: AwsCredentials = { accessKeyId: fileKeyId, secretAccessKey: fileSecret, ...(sessionToken ? { sessionToken } : {}) };
    cached = { credentials, until: now() + SHARED_FILE_TTL_MS };
    return credentials;
  };
}

/**
 * AWS Signature Version 4 over the whole request (method, URL, headers,
 * body), by the AWS SDKs' own signer. The `host` header is signed as the
 * request will carry it (`url.host`, port included) and left for the HTTP
 * client to send; `x-amz-date` and, with temporary credentials,
 * `x-amz-security-token` are added.
 */
export class AwsSigV4Credential implements CredentialSource {
  private signer: Promise<SignatureV4> | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: { region: string; service: string; credentials: AwsCredentialProvider; now?: () => Date }) {
    this.now = options.now ?? (() => new Date());
  }

  /** The AWS SDK's signer, loaded at the first signature rather than at start (most configs have no AWS provider). */
  private signerOnce(): Promise<SignatureV4> {
    this.signer ??= Promise.all([import('@smithy/signature-v4'), import('@smithy/core/serde')]).then(
      ([{ SignatureV4: Signer }, { Hash }]) =>
        new Signer({
          // Asked for at each signature, so rotated or refreshed keys are used as they come.
          credentials: this.options.credentials,
          region: this.options.region,
          service: this.options.service,
          sha256: Hash.bind(null, 'sha256'),
          // The payload hash is part of the signature either way; x-amz-content-sha256 is S3's header.
          applyChecksum: false,
        }),
    );
    return this.signer;
  }

  async authorize(request: UpstreamRequest): Promise<UpstreamRequest> {
    const url = new URL(request.url);
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const existing = query[name];
      query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
    const signed = await (await this.signerOnce()).sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname,
        query,
        headers: { ...request.headers, host: url.host },
        body: request.body,
      },
      { signingDate: this.now() },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== 'host') headers[name] = value;
    return { ...request, headers };
  }
}
