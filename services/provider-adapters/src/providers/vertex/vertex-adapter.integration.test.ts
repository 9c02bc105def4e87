import { readFileSync } from 'node:fs';
import { ConfigError, configSchema, type CallContext, type ChatRequest, type ProviderConfigOf } from '@switchyard/shared';
import { UpstreamClient } from '../../http/upstream-client';
import { fixturePath } from '../../../../../test/support/fixtures';
import { startReplayUpstream, type ReplayUpstream } from '../../../../../test/support/replay-upstream';
import { createVertexAdapter, vertexBaseUrl } from './vertex-adapter';

const request: ChatRequest = {
  model: 'vertex/gemini-2.5-flash',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};
const context = (): CallContext => ({ requestId: 'req-1', signal: new AbortController().signal });
const textAnswer = () => readFileSync(fixturePath('provider-responses/vercel-ai/packages/google/src/__fixtures__/google-text.json'));

function vertexConfig(fields: Record<string, unknown>): ProviderConfigOf<'vertex'> {
  const parsed = configSchema.parse({ providers: { vertex: { kind: 'vertex', project: 'my-project', ...fields } } });
  return parsed.providers.vertex as ProviderConfigOf<'vertex'>;
}

describe('Vertex AI adapter', () => {
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

  it('uses the regional host, or the global one', () => {
    expect(vertexBaseUrl('us-central1')).toBe('https://us-central1-aiplatform.googleapis.com/v1');
    expect(vertexBaseUrl('global')).toBe('https://aiplatform.googleapis.com/v1');
  });

  it('sends an access token from the environment as a bearer token, to the model of the project and location', async () => {
    const adapter = createVertexAdapter({
      id: 'vertex',
      config: vertexConfig({ location: 'global', baseUrl: `${upstream.origin}/v1`, accessToken: '${VERTEX_TEST_TOKEN}' }),
      headers: {},
      http,
      env: { VERTEX_TEST_TOKEN: 'ya29.from-env' },
    });
    upstream.enqueue({ body: textAnswer() });
    const response = await adapter.complete('gemini-2.5-flash', request, context());
    expect(response.choices[0].message.content).toBe("There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.");
    const sent = upstream.requests.at(-1)!;
    expect(sent.url).toBe('/v1/projects/my-project/locations/global/publishers/google/models/gemini-2.5-flash:generateContent');
    expect(sent.headers.authorization).toBe('Bearer ya29.from-env');
  });

  it('embeds through predict, one text a request for Gemini embedding models, with the counted tokens as usage', async () => {
    const adapter = createVertexAdapter({
      id: 'vertex',
      config: vertexConfig({ baseUrl: `${upstream.origin}/v1` }),
      apiKey: 'express-key',
      headers: {},
      http,
      env: {},
    });
    const prediction = (values: number[], tokens: number) => ({ embeddings: { values, statistics: { token_count: tokens, truncated: false } } });
    upstream.enqueue((sent) => ({
      body: JSON.stringify({ predictions: [prediction(sent.json.instances[0].content === 'one' ? [1, 0] : [0, 1], 3)] }),
    }));
    upstream.enqueue((sent) => ({
      body: JSON.stringify({ predictions: [prediction(sent.json.instances[0].content === 'one' ? [1, 0] : [0, 1], 4)] }),
    }));
    const before = upstream.requests.length;
    const response = await adapter.embed!(
      'gemini-embedding-001',
      { model: 'vertex/gemini-embedding-001', input: ['one', 'two'], dimensions: 2 },
      context(),
    );
    expect(response).toEqual({
      model: 'gemini-embedding-001',
      data: [
        { index: 0, vector: [1, 0] },
        { index: 1, vector: [0, 1] },
      ],
      usage: { inputTokens: 7, outputTokens: 0 },
    });
    const sent = upstream.requests.slice(before);
    // Checked against https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
    expect(sent.map((request) => request.url)).toEqual([
      '/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-embedding-001:predict',
      '/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-embedding-001:predict',
    ]);
    expect(sent.map((request) => request.json).sort((a, b) => a.instances[0].content.localeCompare(b.instances[0].content))).toEqual([
      { instances: [{ content: 'one' }], parameters: { outputDimensionality: 2 } },
      { instances: [{ content: 'two' }], parameters: { outputDimensionality: 2 } },
    ]);
  });

  it('sends an express-mode API key as x-goog-api-key', async () => {
    const adapter = createVertexAdapter({
      id: 'vertex',
      config: vertexConfig({ baseUrl: `${upstream.origin}/v1` }),
      apiKey: 'express-key',
      headers: {},
      http,
      env: {},
    });
    upstream.enqueue({ body: textAnswer() });
    await adapter.complete('gemini-2.5-flash', request, context());
    const sent = upstream.requests.at(-1)!;
    expect(sent.url).toBe('/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('express-key');
    expect(sent.headers.authorization).toBeUndefined();
  });

  it.each([
    [{}, {}, 'providers.vertex: Vertex AI needs a credential'],
    [{ accessToken: '${UNSET_VERTEX_TOKEN}' }, {}, 'providers.vertex.accessToken: environment variable UNSET_VERTEX_TOKEN is not set'],
    [
      {},
      { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' },
      'providers.vertex (GOOGLE_APPLICATION_CREDENTIALS): the service-account key file',
    ],
  ])('refuses to start without a usable credential (%j, %j)', (fields, env, message) => {
    expect(() => createVertexAdapter({ id: 'vertex', config: vertexConfig(fields), headers: {}, http, env })).toThrow(ConfigError);
    expect(() => createVertexAdapter({ id: 'vertex', config: vertexConfig(fields), headers: {}, http, env })).toThrow(message);
  });
});
