import { providerSchema, type CallContext, type ChatRequest, type SwitchyardConfig } from '@switchyard/shared';
import { LocalProviderAdapterService } from '../provider-registry';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';

/**
 * The capability check where the adapters are (LocalProviderAdapterService,
 * so embedded and distributed modes both have it), against a real loopback
 * upstream: a request the catalog says the deployment's model cannot serve
 * is a 400 naming the deployment and the capability, and never leaves.
 */

let upstream: MockOpenAIUpstream;
let service: LocalProviderAdapterService;

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
  const providers = {
    openai: providerSchema.parse({ kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'], timeoutMs: 10_000 }),
    groq: providerSchema.parse({ kind: 'openai', preset: 'groq', baseUrl: upstream.baseUrl, models: ['*'], timeoutMs: 10_000 }),
  };
  service = new LocalProviderAdapterService({ providers } as unknown as SwitchyardConfig, { env: {} });
});

afterAll(async () => {
  await service.close();
  await upstream.close();
});

beforeEach(() => upstream.reset());

function context(): CallContext {
  return { requestId: 'request-1', signal: new AbortController().signal };
}

const WEATHER_TOOL = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

function chatRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'ignored',
    messages: [{ role: 'user', content: [{ type: 'text', text: "What's the weather like in SF?" }] }],
    sampling: {},
    stream: false,
    includeUsage: false,
    ...overrides,
  };
}

const deployment = (providerId: string, model: string) => ({ id: `${providerId}/${model}`, providerId, model });

describe('capability checks before the upstream call', () => {
  it.each([
    {
      name: 'tools to a model without function calling',
      target: deployment('openai', 'gpt-5-chat-latest'),
      request: chatRequest({ tools: [WEATHER_TOOL] }),
      error: {
        param: 'tools',
        code: 'tools_not_supported',
        message: 'Deployment openai/gpt-5-chat-latest does not support tools (function calling).',
      },
    },
    {
      name: 'an image to a model without vision',
      target: deployment('openai', 'gpt-audio'),
      request: chatRequest({ messages: [{ role: 'user', content: [{ type: 'image', url: 'https://example.com/cat.png' }] }] }),
      error: { param: 'messages', code: 'images_not_supported', message: 'Deployment openai/gpt-audio does not support image input.' },
    },
    {
      name: 'a JSON schema response from a preset model without structured output',
      target: deployment('groq', 'llama-3.3-70b-versatile'),
      request: chatRequest({ responseFormat: { type: 'json_schema', name: 'weather', schema: { type: 'object' } } as ChatRequest['responseFormat'] }),
      error: { param: 'response_format', code: 'json_schema_not_supported' },
    },
    {
      name: 'more output tokens than the model writes',
      target: deployment('openai', 'gpt-4o'),
      request: chatRequest({ sampling: { maxTokens: 100_000 } }),
      error: {
        param: 'max_tokens',
        code: 'context_length_exceeded',
        message: 'Deployment openai/gpt-4o writes at most 16384 output tokens; the request asks for up to 100000.',
      },
    },
    {
      name: 'a prompt far beyond the context window',
      target: deployment('openai', 'gpt-3.5-turbo'),
      request: chatRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'word '.repeat(40_000) }] }] }),
      error: {
        param: 'messages',
        code: 'context_length_exceeded',
        message: 'Deployment openai/gpt-3.5-turbo has a context window of 16385 tokens; the prompt has at least 25000.',
      },
    },
  ])('refuses $name with a 400 naming the deployment, without calling upstream', async ({ target, request, error }) => {
    await expect(service.complete(target, request, context())).rejects.toMatchObject({ status: 400, errorClass: 'invalid_request', ...error });
    await expect(service.stream(target, { ...request, stream: true }, context())).rejects.toMatchObject({ status: 400, ...error });
    expect(upstream.requests).toHaveLength(0);
  });

  it('lets through what the model can do, and models the catalog does not know', async () => {
    const withEverything = chatRequest({
      tools: [WEATHER_TOOL],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', url: 'https://example.com/cat.png' },
          ],
        },
      ],
      sampling: { maxTokens: 1_000 },
    });
    await service.complete(deployment('openai', 'gpt-4o'), withEverything, context());
    await service.complete(
      deployment('openai', 'a-local-model'),
      chatRequest({ tools: [WEATHER_TOOL], sampling: { maxTokens: 1_000_000 } }),
      context(),
    );
    expect(upstream.requests.map((request) => (request.body as { model: string }).model)).toEqual(['gpt-4o', 'a-local-model']);
  });
});
