import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderError } from '@switchyard/shared';
import { verifySigV4 } from '../../../../test/support/aws-sigv4-verifier';
import type { UpstreamRequest } from '../http/upstream-client';
import { awsCredentialChain, AwsSigV4Credential, type AwsCredentials } from './aws-sigv4-credential';

// The AWS Signature Version 4 test suite's credentials and clock (aws4_testsuite, as kept in botocore's
// tests/unit/auth/aws4_testsuite: post-vanilla and get-vanilla-query-order-key-case).
const SUITE_CREDENTIALS: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');

function upstream(overrides: Partial<UpstreamRequest>): UpstreamRequest {
  return {
    providerId: 'bedrock',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    headers: {},
    body: '',
    signal: new AbortController().signal,
    timeoutMs: 1_000,
    ...overrides,
  };
}

function suiteSigner(credentials: AwsCredentials = SUITE_CREDENTIALS, region = 'us-east-1', service = 'service'): AwsSigV4Credential {
  return new AwsSigV4Credential({ region, service, credentials: async () => credentials, now: () => SUITE_DATE });
}

describe('AwsSigV4Credential', () => {
  it('signs the test suite post-vanilla request to its published Authorization header', async () => {
    const signed = await suiteSigner().authorize(upstream({ method: 'POST', url: 'https://example.amazonaws.com/' }));
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    );
    expect(signed.headers['x-amz-date']).toBe('20150830T123600Z');
    // The HTTP client sends the host itself; the signature covers the same value.
    expect(Object.keys(signed.headers).map((name) => name.toLowerCase())).not.toContain('host');
  });

  it('signs the test suite get-vanilla-query-order-key-case request (query sorted) to its published signature', async () => {
    const signed = await suiteSigner().authorize(
      upstream({ method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', body: undefined }),
    );
    expect(signed.headers.authorization).toMatch(/, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/);
  });

  it('the independent verifier agrees with the test suite, and rejects a tampered request', () => {
    const request = {
      method: 'POST',
      url: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
          'Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
      },
      body: '',
    };
    expect(verifySigV4(request, SUITE_CREDENTIALS.secretAccessKey).valid).toBe(true);
    expect(verifySigV4({ ...request, body: 'x' }, SUITE_CREDENTIALS.secretAccessKey).valid).toBe(false);
  });

  it('signs a Converse request (model id with a colon, JSON body, session token) so that an independent verifier accepts it', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test-secret-key', sessionToken: 'test-session-token' };
    const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hello' }] }] });
    const signed = await new AwsSigV4Credential({ region: 'eu-west-3', service: 'bedrock', credentials: async () => credentials }).authorize(
      upstream({
        url: 'https://bedrock-runtime.eu-west-3.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
      }),
    );
    expect(signed.headers['x-amz-security-token']).toBe('test-session-token');
    const check = verifySigV4(
      {
        method: 'POST',
        url: '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
        headers: { ...signed.headers, host: 'bedrock-runtime.eu-west-3.amazonaws.com' },
        body,
      },
      'test-secret-key',
    );
    expect(check).toMatchObject({ valid: true, region: 'eu-west-3', service: 'bedrock' });
    expect(check.signedHeaders).toEqual(['accept', 'content-type', 'host', 'x-amz-date', 'x-amz-security-token']);
    // Each path segment is encoded once more in the canonical request (every service but S3).
    expect(check.canonicalRequest.split('\n')[1]).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse');
  });

  it('signs the host with its port, as the HTTP client sends it', async () => {
    const signed = await suiteSigner().authorize(upstream({ url: 'http://127.0.0.1:8123/model/m/converse', body: '{}' }));
    const check = verifySigV4(
      { method: 'POST', url: '/model/m/converse', headers: { ...signed.headers, host: '127.0.0.1:8123' }, body: '{}' },
      SUITE_CREDENTIALS.secretAccessKey,
    );
    expect(check.valid).toBe(true);
  });
});

describe('awsCredentialChain', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'switchyard-aws-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  const files = () => ({ AWS_SHARED_CREDENTIALS_FILE: join(directory, 'credentials'), AWS_CONFIG_FILE: join(directory, 'config') });

  it('takes the environment first, with a session token when there is one', async () => {
    writeFileSync(join(directory, 'credentials'), '[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = file-secret\n');
    const chain = awsCredentialChain({
      providerId: 'bedrock',
      env: { ...files(), AWS_ACCESS_KEY_ID: 'ENVKEY', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' },
    });
    await expect(chain()).resolves.toEqual({ accessKeyId: 'ENVKEY', secretAccessKey: 'env-secret', sessionToken: 'env-token' });
  });

  it('then the profile of the shared credentials file: the configured one, else AWS_PROFILE, else default', async () => {
    writeFileSync(
      join(directory, 'credentials'),
      '[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = default-secret\n\n' +
        '[work]\naws_access_key_id = WORKKEY\naws_secret_access_key = work-secret\naws_session_token = work-token\n',
    );
    await expect(awsCredentialChain({ providerId: 'bedrock', env: files() })()).resolves.toEqual({
      accessKeyId: 'DEFAULTKEY',
      secretAccessKey: 'default-secret',
    });
    await expect(awsCredentialChain({ providerId: 'bedrock', env: { ...files(), AWS_PROFILE: 'work' } })()).resolves.toEqual({
      accessKeyId: 'WORKKEY',
      secretAccessKey: 'work-secret',
      sessionToken: 'work-token',
    });
    await expect(awsCredentialChain({ providerId: 'bedrock', env: { ...files(), AWS_PROFILE: 'nope' }, profile: 'work' })()).resolves.toMatchObject({
      accessKeyId: 'WORKKEY',
    });
  });

  it('reads a profile of the shared config file too', async () => {
    writeFileSync(join(directory, 'config'), '[profile ops]\nregion = us-west-2\naws_access_key_id = OPSKEY\naws_secret_access_key = ops-secret\n');
    await expect(awsCredentialChain({ providerId: 'bedrock', env: { ...files(), AWS_PROFILE: 'ops' } })()).resolves.toEqual({
      accessKeyId: 'OPSKEY',
      secretAccessKey: 'ops-secret',
    });
  });

  it('reads the file again once its cached copy is old, so rotated keys are picked up', async () => {
    let clock = 0;
    const path = join(directory, 'credentials');
    writeFileSync(path, '[default]\naws_access_key_id = OLDKEY\naws_secret_access_key = old-secret\n');
    const chain = awsCredentialChain({ providerId: 'bedrock', env: files(), now: () => clock });
    await expect(chain()).resolves.toMatchObject({ accessKeyId: 'OLDKEY' });
    writeFileSync(path, '[default]\naws_access_key_id = NEWKEY\naws_secret_access_key = new-secret\n');
    await expect(chain()).resolves.toMatchObject({ accessKeyId: 'OLDKEY' });
    clock += 5 * 60_000 + 1;
    await expect(chain()).resolves.toMatchObject({ accessKeyId: 'NEWKEY' });
  });

  it('without any credentials, fails with an error that says where they may come from', async () => {
    const failure = await awsCredentialChain({ providerId: 'bedrock-east', env: files() })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).message).toMatch(/No AWS credentials for provider bedrock-east: set AWS_ACCESS_KEY_ID/);
  });
});
