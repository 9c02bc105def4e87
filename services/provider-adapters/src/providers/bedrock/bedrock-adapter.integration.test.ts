import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { ConfigError, ProviderError, type CallContext, type ChatRequest, type ProviderConfigOf, type StreamPart } from '@switchyard/shared';
import { startReplayUpstream, type ReplayUpstream } from '../../../../../test/support/replay-upstream';
import { UpstreamClient } from '../../http/upstream-client';
import type { ProviderAdapterOptions } from '../provider-adapter';
import { createBedrockAdapter, defaultBedrockBaseUrl } from './bedrock-adapter';

const RECORDINGS = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses');
const streamRecording = readFileSync(path.join(RECORDINGS, 'bedrock-eventstream/test_bedrock_model_stream.eventstream.bin'));
const textBody = readFileSync(path.join(RECORDINGS, 'vercel-ai/packages/amazon-bedrock/src/__fixtures__/amazon-bedrock-text.json'));
const EVENT_STREAM = { 'content-type': 'application/vnd.amazon.eventstream' };

const request: ChatRequest = {
  model: 'anthropic.claude-3-haiku-20240307-v1:0',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
  sampling: {},
  stream: false,
  includeUsage: true,
};

let upstream: ReplayUpstream;
let http: UpstreamClient;

beforeAll(async () => {
  upstream = await startReplayUpstream();
  http = new UpstreamClient();
});

afterAll(async () => {
  await http.close();
  await upstream.close();
});

beforeEach(() => {
  upstream.requests.length = 0;
});

function adapter(config: Partial<ProviderConfigOf<'bedrock'>> = {}, options: Partial<ProviderAdapterOptions<'bedrock'>> = {}) {
  return createBedrockAdapter({
    id: 'bedrock',
    config: {
      kind: 'bedrock',
      baseUrl: upstream.origin,
      region: 'us-east-1',
      timeoutMs: 5_000,
      headers: {},
      prices: {},
      dropUnsupportedParams: false,
      ...config,
    },
    headers: {},
    http,
    env: { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test-secret' },
    ...options,
  });
}

function context(signal = new AbortController().signal): CallContext {
  return { requestId: 'request-1', signal };
}

describe('the Bedrock adapter', () => {
  it('defaults to the regional endpoint, and needs a region', () => {
    expect(defaultBedrockBaseUrl('ap-northeast-1')).toBe('https://bedrock-runtime.ap-northeast-1.amazonaws.com');
    expect(() => adapter({ region: undefined })).toThrow(ConfigError);
    expect(() => adapter({ region: undefined })).toThrow('providers.bedrock.region');
    expect(() => adapter({ region: undefined }, { env: { AWS_REGION: 'eu-west-1' } })).not.toThrow();
  });

  it('uses AWS_BEARER_TOKEN_BEDROCK as a Bedrock API key when there is one', async () => {
    upstream.enqueue({ body: textBody });
    await adapter({}, { env: { AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key-123' } }).complete(request.model, request, context());
    expect(upstream.requests[0].headers.authorization).toBe('Bearer bedrock-api-key-123');
  });

  it('merges provider options (by kind, then by id) into the body, field by field for the nested configs', async () => {
    upstream.enqueue({ body: textBody });
    await adapter().complete(
      request.model,
      {
        ...request,
        sampling: { maxTokens: 100, topK: 3 },
        providerOptions: {
          bedrock: {
            additionalModelRequestFields: { anthropic_beta: ['token-efficient-tools-2025-02-19'] },
            guardrailConfig: { guardrailIdentifier: 'g1', guardrailVersion: '1' },
          },
          'bedrock-other': { ignored: true },
        },
      },
      context(),
    );
    expect(upstream.requests[0].json).toMatchObject({
      inferenceConfig: { maxTokens: 100 },
      additionalModelRequestFields: { top_k: 3, anthropic_beta: ['token-efficient-tools-2025-02-19'] },
      guardrailConfig: { guardrailIdentifier: 'g1', guardrailVersion: '1' },
    });
    expect(upstream.requests[0].json).not.toHaveProperty('ignored');
  });

  it('reports the parameters it dropped, when the provider allows dropping them', async () => {
    upstream.enqueue({ body: textBody });
    const response = await adapter({ dropUnsupportedParams: true }).complete(
      request.model,
      { ...request, seed: 1, extraBody: { logit_bias: {} } },
      context(),
    );
    expect(response.droppedParams).toEqual(['seed', 'logit_bias']);
    upstream.enqueue({ headers: EVENT_STREAM, body: streamRecording });
    const parts: StreamPart[] = [];
    for await (const part of await adapter({ dropUnsupportedParams: true }).stream(request.model, { ...request, seed: 1 }, context()))
      parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'response-start', droppedParams: ['seed'] });
  });

  it('fails a stream cut inside a frame as a bad response', async () => {
    upstream.enqueue({ headers: EVENT_STREAM, body: streamRecording.subarray(0, streamRecording.length - 10) });
    const parts = await adapter().stream(request.model, request, context());
    const failure = await (async () => {
      for await (const _part of parts) {
        // Drained until the cut.
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).message).toMatch(/ended inside a frame/);
  });

  it('rejects the call itself when the stream opens with an exception frame, so it can be retried elsewhere', async () => {
    const throttled = new EventStreamCodec(toUtf8, fromUtf8).encode({
      headers: {
        ':message-type': { type: 'string', value: 'exception' },
        ':exception-type': { type: 'string', value: 'throttlingException' },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: fromUtf8('{"message":"Too many requests, please wait before trying again."}'),
    });
    upstream.enqueue({ headers: EVENT_STREAM, body: Buffer.from(throttled) });
    const failure = await adapter()
      .stream(request.model, request, context())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ status: 429, retryable: true });
  });

  it('streams the first part it awaited, then the rest', async () => {
    upstream.enqueue({ headers: EVENT_STREAM, body: [streamRecording.subarray(0, 100), streamRecording.subarray(100)] });
    const parts: StreamPart[] = [];
    for await (const part of await adapter().stream(request.model, request, context())) parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'response-start' });
    expect(parts.filter((part) => part.type === 'response-start')).toHaveLength(1);
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 13, outputTokens: 82 } });
  });
});
