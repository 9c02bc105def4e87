import { readFileSync } from 'node:fs';
import { configSchema, type CallContext, type ChatRequest, type ProviderConfigOf, type StreamPart } from '@switchyard/shared';
import { UpstreamClient } from '../../http/upstream-client';
import { fixturePath } from '../../../../../test/support/fixtures';
import { startReplayUpstream, type ReplayUpstream } from '../../../../../test/support/replay-upstream';
import { createGeminiAdapter } from './gemini-adapter';

const FIXTURES = 'provider-responses/vercel-ai/packages/google/src/__fixtures__';
const request: ChatRequest = {
  model: 'gemini/gemini-2.5-flash',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};
const context = (): CallContext => ({ requestId: 'req-1', signal: new AbortController().signal });

function geminiConfig(fields: Record<string, unknown>): ProviderConfigOf<'gemini'> {
  return configSchema.parse({ providers: { gemini: { kind: 'gemini', ...fields } } }).providers.gemini as ProviderConfigOf<'gemini'>;
}

describe('Gemini adapter against a replayed upstream', () => {
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

  const adapter = (fields: Record<string, unknown> = {}) =>
    createGeminiAdapter({
      id: 'google',
      config: geminiConfig({ baseUrl: `${upstream.origin}/v1beta`, ...fields }),
      apiKey: 'k',
      headers: {},
      http,
      env: {},
    });

  it('merges provider options by kind and by id into the body', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, 'google-text.json')) });
    await adapter().complete(
      'gemini-2.5-flash',
      {
        ...request,
        providerOptions: {
          gemini: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] },
          google: { cachedContent: 'cachedContents/abc' },
          anthropic: { ignored: true },
        },
      },
      context(),
    );
    expect(upstream.requests.at(-1)!.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      cachedContent: 'cachedContents/abc',
    });
  });

  it('drops what it cannot honour when allowed, and says so in the response and at the start of a stream', async () => {
    const dropping = adapter({ dropUnsupportedParams: true });
    const asked: ChatRequest = { ...request, user: 'u-1', parallelToolCalls: false, extraBody: { logit_bias: { 1: 2 } } };
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, 'google-text.json')) });
    const response = await dropping.complete('gemini-2.5-flash', asked, context());
    expect(response.droppedParams).toEqual(['parallel_tool_calls', 'logit_bias']);
    expect(upstream.requests.at(-1)!.json).not.toHaveProperty('user');

    const events = readFileSync(fixturePath(FIXTURES, 'google-text.chunks.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => `data: ${line}\r\n\r\n`);
    upstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: events });
    const parts: StreamPart[] = [];
    for await (const part of await dropping.stream('gemini-2.5-flash', { ...asked, stream: true }, context())) parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'response-start', droppedParams: ['parallel_tool_calls', 'logit_bias'] });
  });

  it('refuses an unmodelled field by name when dropping is not allowed, without calling upstream', async () => {
    const before = upstream.requests.length;
    await expect(adapter().complete('gemini-2.5-flash', { ...request, extraBody: { logprobs: true } }, context())).rejects.toMatchObject({
      status: 400,
      param: 'logprobs',
      code: 'unsupported_parameter',
    });
    expect(upstream.requests.length).toBe(before);
  });

  it('reads an error answer before the stream as the provider error', async () => {
    upstream.enqueue({ status: 400, body: JSON.stringify({ error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT' } }) });
    await expect(adapter().stream('gemini-2.5-flash', { ...request, stream: true }, context())).rejects.toMatchObject({
      status: 400,
      message: 'google returned 400: API key not valid. (INVALID_ARGUMENT)',
    });
  });
});
