import type { CallContext } from '@switchyard/shared';
import { UpstreamClient } from '../../http/upstream-client';
import { startReplayUpstream, type ReplayUpstream } from '../../../../../test/support/replay-upstream';
import { listOpenAIModels } from './list-openai-models';

/** `GET /models` over a real socket, as Ollama's OpenAI-compatible API answers it. */

let upstream: ReplayUpstream;
let http: UpstreamClient;
const context: CallContext = { requestId: 'request-1', signal: new AbortController().signal };

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

const list = () =>
  listOpenAIModels(
    {
      providerId: 'ollama',
      baseUrl: `${upstream.origin}/v1`,
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-local' },
      http,
      timeoutMs: 5_000,
    },
    context,
  );

describe('listOpenAIModels', () => {
  it('reads the ids of GET /models, in order and each once, sending the credential and no body', async () => {
    upstream.enqueue({
      body: JSON.stringify({
        object: 'list',
        data: [
          { id: 'llama3.2:1b', object: 'model', created: 1733000000, owned_by: 'library' },
          { id: 'qwen2.5:0.5b', object: 'model', created: 1733000000, owned_by: 'library' },
          { id: 'llama3.2:1b', object: 'model', created: 1733000000, owned_by: 'library' },
        ],
      }),
    });
    expect(await list()).toEqual(['llama3.2:1b', 'qwen2.5:0.5b']);
    const [sent] = upstream.requests;
    expect(sent.method).toBe('GET');
    expect(sent.url).toBe('/v1/models');
    expect(sent.headers.authorization).toBe('Bearer sk-local');
    expect(sent.headers['content-type']).toBeUndefined();
    expect(sent.body).toHaveLength(0);
  });

  it('turns an error answer into the provider error, status and message kept', async () => {
    upstream.enqueue({
      status: 401,
      body: JSON.stringify({ error: { message: 'Invalid API key', type: 'invalid_request_error', code: 'invalid_api_key' } }),
    });
    await expect(list()).rejects.toMatchObject({ providerId: 'ollama', upstreamStatus: 401, message: 'ollama returned 401: Invalid API key' });
  });

  it('refuses a body that is not a model list', async () => {
    upstream.enqueue({ body: JSON.stringify({ models: ['a'] }) });
    await expect(list()).rejects.toMatchObject({ code: 'upstream_bad_response' });
  });
});
