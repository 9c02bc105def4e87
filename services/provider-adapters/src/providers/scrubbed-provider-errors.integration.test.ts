import { anthropicProviderSchema, openAIProviderSchema, ProviderError, type CallContext, type ChatRequest } from '@switchyard/shared';
import { UpstreamClient } from '../http/upstream-client';
import { createAnthropicAdapter } from './anthropic/anthropic-adapter';
import { createOpenAIAdapter } from './openai';
import { startMockAnthropicUpstream, type MockAnthropicUpstream } from '../../../../test/support/mock-anthropic-upstream';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';

/**
 * Providers quote the rejected key back in their 401 bodies; the adapters'
 * errors (what the gateway answers and logs) must not. The bodies are the
 * providers' own wire format, sent over a real socket.
 */

const REJECTED_KEY = 'sk-proj-Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwYWJjZGVm0123abcd';

// api.openai.com's 401 body: the key masked but for its first and last characters.
const OPENAI_401_BODY = {
  error: {
    message:
      'Incorrect API key provided: sk-proj-****************************************abcd. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  },
};

// What an OpenAI-compatible server behind a proxy sends: the whole key, and the Authorization header echoed.
const COMPATIBLE_401_BODY = {
  error: { message: `Unauthorized: Bearer ${REJECTED_KEY} is not a valid key`, type: 'authentication_error', code: 'invalid_api_key' },
};

// api.anthropic.com's 401 body, and one that quotes the key it was given.
const ANTHROPIC_401_BODY = { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } };
const ANTHROPIC_401_QUOTING_BODY = {
  type: 'error',
  error: { type: 'authentication_error', message: 'invalid x-api-key: sk-ant-api03-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA-wxyz' },
};

const request: ChatRequest = {
  model: 'gpt-4o',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};

let openAIUpstream: MockOpenAIUpstream;
let anthropicUpstream: MockAnthropicUpstream;
let http: UpstreamClient;

beforeAll(async () => {
  openAIUpstream = await startMockOpenAIUpstream();
  anthropicUpstream = await startMockAnthropicUpstream();
  http = new UpstreamClient();
});

afterAll(async () => {
  await http.close();
  await openAIUpstream?.close();
  await anthropicUpstream?.close();
});

const context = (): CallContext => ({ requestId: 'request-1', signal: new AbortController().signal });

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

function openAI() {
  return createOpenAIAdapter({
    id: 'openai',
    config: openAIProviderSchema.parse({ kind: 'openai', baseUrl: openAIUpstream.baseUrl, models: ['*'], timeoutMs: 10_000 }),
    apiKey: REJECTED_KEY,
    headers: {},
    http,
    env: {},
  });
}

function anthropic() {
  return createAnthropicAdapter({
    id: 'anthropic',
    config: anthropicProviderSchema.parse({ kind: 'anthropic', baseUrl: anthropicUpstream.baseUrl, models: ['*'], timeoutMs: 10_000 }),
    apiKey: 'sk-ant-api03-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA-wxyz',
    headers: {},
    http,
    env: {},
  });
}

describe('provider errors that quote a key', () => {
  it("OpenAI's 401: the masked key's characters are gone, the advice stays", async () => {
    openAIUpstream.enqueue({ kind: 'error', status: 401, body: OPENAI_401_BODY });
    const error = await failure(openAI().complete('gpt-4o', request, context()));
    expect(error.message).toBe(
      'openai returned 401: Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.',
    );
    expect(error.status).toBe(502);
    expect(error.upstreamStatus).toBe(401);
  });

  it('an OpenAI-compatible 401 that echoes the whole key and its bearer header, streaming', async () => {
    openAIUpstream.enqueue({ kind: 'error', status: 401, body: COMPATIBLE_401_BODY });
    // stream() rejects on an error status, before any part.
    const error = await failure(openAI().stream('gpt-4o', { ...request, stream: true }, context()));
    expect(error.message).not.toContain('Q2hhbmdlTWVQbGVhc2U');
    expect(error.message).not.toContain('0123abcd');
    expect(error.message).toContain('Unauthorized: Bearer [redacted] is not a valid key');
  });

  it("Anthropic's 401 passes unchanged (it quotes nothing), and one that quotes the key is scrubbed", async () => {
    anthropicUpstream.enqueue({ kind: 'error', status: 401, body: ANTHROPIC_401_BODY });
    const plain = await failure(anthropic().complete('claude', request, context()));
    expect(plain.message).toBe('anthropic returned 401: invalid x-api-key (authentication_error)');

    anthropicUpstream.enqueue({ kind: 'error', status: 401, body: ANTHROPIC_401_QUOTING_BODY });
    const quoting = await failure(anthropic().complete('claude', request, context()));
    expect(quoting.message).toBe('anthropic returned 401: invalid x-api-key: [redacted] (authentication_error)');
  });
});
