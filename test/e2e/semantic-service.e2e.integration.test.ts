import OpenAI from 'openai';
import { BruteForceStore, HashEmbedder, KeywordGuardrails } from '../../services/semantic/src/transport/__fixtures__/test-backends';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type RunningSwitchyard } from './switchyard-harness';

/**
 * A distributed gateway whose plugin embeds and looks up through its PluginServices: every call crosses
 * to the semantic service over gRPC (mutual TLS), which serves small in-process stand-ins this test can
 * look into. The plugin (test/e2e/__fixtures__/stored-answers-plugin.ts) answers a question it has seen from
 * the stored provider answer.
 */
describe('the semantic service behind a distributed gateway', () => {
  const embedder = new HashEmbedder();
  const store = new BruteForceStore();
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.E2E_OPENAI_KEY = 'sk-e2e-openai';
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(
      'distributed',
      {
        providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: '${E2E_OPENAI_KEY}', models: ['gpt-4o-mini'] } },
        plugins: { modules: ['./test/e2e/__fixtures__/stored-answers-plugin.ts'] },
      },
      { semanticBackends: { embedder: () => embedder, vectorStore: () => store, guardrails: () => new KeywordGuardrails() } },
    );
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey ?? 'unused', maxRetries: 0 });
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  const ask = (content: string) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }).withResponse();
  const stored = () => [...(store.namespaces.get('default:stored-answers:')?.values() ?? [])];

  it('embeds and stores through the semantic service, then answers a repeated question without the provider', async () => {
    const first = await ask('How long do refunds take?');
    expect(first.response.headers.get('x-stored-answers-embedder')).toBe('test-hash-v1/16');
    expect(first.response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(upstream.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(1);
    // The plugin stores the answer after the response, off the request path.
    await waitFor(stored, (records) => records.length === 1, { timeoutMs: 10_000, what: 'the answer in the semantic service' });
    expect(stored()[0].id).toBe(first.response.headers.get('x-request-id'));
    expect(Array.from(stored()[0].vector)).toStrictEqual(Array.from((await embedder.embed(['How long do refunds take?']))[0]));

    const again = await ask('How long do refunds take?');
    expect(again.response.headers.get('x-switchyard-served-by')).toBe('stored-answers');
    expect(again.response.headers.get('x-switchyard-served-by-detail')).toBe('stored');
    expect(again.response.headers.get('x-switchyard-provider')).toBeNull();
    expect(again.data.choices[0].message.content).toBe(first.data.choices[0].message.content);
    expect(upstream.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(1);

    const streamed = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'How long do refunds take?' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of streamed) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(first.data.choices[0].message.content);

    await ask('Can I change my delivery address?');
    expect(upstream.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(2);
  });

  it('records the answer as served by the plugin', async () => {
    const { response } = await ask('Where is my parcel?');
    await waitFor(stored, (records) => records.some((record) => record.id === response.headers.get('x-request-id')), {
      timeoutMs: 10_000,
      what: 'the answer in the semantic service',
    });
    const repeated = await ask('Where is my parcel?');
    const requestId = repeated.response.headers.get('x-request-id') as string;
    const record = await waitFor(
      async () => {
        const answer = await fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() });
        return answer.status === 200 ? ((await answer.json()) as Record<string, unknown>) : undefined;
      },
      (found) => found !== undefined,
      { timeoutMs: 30_000, what: `the record of ${requestId}` },
    );
    expect(record).toMatchObject({
      served_by: 'stored-answers',
      served_by_detail: 'stored',
      annotations: { stored_answer: response.headers.get('x-request-id') },
    });
  });
});
