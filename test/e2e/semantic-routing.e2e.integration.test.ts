import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type RunningSwitchyard } from './switchyard-harness';

/**
 * Intent routing and conversation memory end to end in one process, with
 * the real offline embedder and the embedded vector store, the official
 * openai SDK as the client and a mock upstream speaking OpenAI's format.
 */

interface RequestRecord {
  model: string;
  provider: string | null;
  served_by: string | null;
  annotations: Record<string, string>;
}

const routes = [
  {
    name: 'code',
    description: 'programming questions: writing, fixing and explaining source code',
    utterances: [
      'fix this python function, it raises a KeyError',
      'why does my typescript code not compile',
      'write a unit test for this javascript class',
    ],
    target: 'gpt-4o',
  },
  {
    name: 'translation',
    description: 'translating text from one language into another',
    utterances: ['translate this paragraph into french', 'how do you say good morning in japanese', 'give me the german word for bicycle'],
    target: 'openai/gpt-4o-mini',
  },
];

describe('semantic routing and memory (embedded mode)', () => {
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let openai: OpenAI;

  beforeAll(async () => {
    process.env.E2E_OPENAI_KEY = 'sk-e2e-openai';
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: {
        openai: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: '${E2E_OPENAI_KEY}', models: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-nano'] },
      },
      semanticRouting: { routes, default: 'gpt-4.1-nano' },
      memory: {},
    });
    openai = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  beforeEach(() => upstream.reset());

  async function recordOf(requestId: string): Promise<RequestRecord> {
    return waitFor(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() });
        return response.status === 200 ? ((await response.json()) as RequestRecord) : undefined;
      },
      (record) => record !== undefined,
      { timeoutMs: 10_000, what: `the record of ${requestId}` },
    ) as Promise<RequestRecord>;
  }

  it('sends a switchyard/semantic request to the route its message is about, saying so in headers and the record', async () => {
    const { response } = await openai.chat.completions
      .create({
        model: 'switchyard/semantic',
        messages: [{ role: 'user', content: 'My rust program fails with a borrow checker error, how do I fix it?' }],
      })
      .withResponse();
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0].body.model).toBe('gpt-4o');
    expect(response.headers.get('x-switchyard-semantic-route')).toBe('code');
    const score = Number(response.headers.get('x-switchyard-semantic-route-score'));
    expect(score).toBeGreaterThanOrEqual(0.2);
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(await recordOf(response.headers.get('x-request-id')!)).toMatchObject({
      provider: 'openai',
      annotations: { semantic_route: 'code', semantic_route_target: 'gpt-4o', semantic_route_score: score.toFixed(4) },
    });
  }, 30_000);

  it('routes a streamed request too, and one about nothing configured to the default', async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'switchyard/semantic', messages: [{ role: 'user', content: "What's the Korean for 'nice to meet you'?" }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(upstream.requests[0].body.model).toBe('gpt-4o-mini');
    expect(response.headers.get('x-switchyard-semantic-route')).toBe('translation');

    const { response: other } = await openai.chat.completions
      .create({ model: 'switchyard/semantic', messages: [{ role: 'user', content: 'How tall is Mount Everest?' }] })
      .withResponse();
    expect(upstream.requests[1].body.model).toBe('gpt-4.1-nano');
    expect(other.headers.get('x-switchyard-semantic-route')).toBe('default');
  }, 30_000);

  it('routes an Anthropic Messages request the same way', async () => {
    const anthropic = new Anthropic({ baseURL: switchyard.origin, apiKey: switchyard.apiKey, maxRetries: 0 });
    const { response } = await anthropic.messages
      .create({ model: 'switchyard/semantic', max_tokens: 64, messages: [{ role: 'user', content: 'Please translate this email into Spanish.' }] })
      .withResponse();
    expect(upstream.requests[0].body.model).toBe('gpt-4o-mini');
    expect(response.headers.get('x-switchyard-semantic-route')).toBe('translation');
  });

  it('leaves requests for other models alone', async () => {
    const { response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'translate this paragraph into french' }] })
      .withResponse();
    expect(upstream.requests[0].body.model).toBe('gpt-4o-mini');
    expect(response.headers.get('x-switchyard-semantic-route')).toBeNull();
  });

  it('answers the classify endpoint, and a bad body in OpenAI error format', async () => {
    const classify = (body: unknown) =>
      fetch(`${switchyard.origin}/v1/semantic-routing/classify`, {
        method: 'POST',
        headers: switchyard.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify(body),
      });
    const ok = await classify({ text: 'why does my typescript build fail' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ route: 'code', target: 'gpt-4o', nearest: 'code', score: expect.any(Number) });
    const bad = await classify({ text: '' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { message: '`text` must be a non-empty string.', type: 'invalid_request_error', param: 'text', code: null },
    });
  });

  it('gives a session its relevant earlier exchange back when the client sends only the new message, and forgets it on DELETE', async () => {
    const session = { headers: { 'x-switchyard-session-id': 'e2e-session-1' } };
    await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'I am allergic to peanuts, keep that in mind for recipes.' }] },
      session,
    );
    await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'My laptop is a 2019 ThinkPad running Fedora.' }] },
      session,
    );

    // The exchanges are stored off the request path: ask until the recall shows up.
    const question = 'Suggest a satay sauce recipe for dinner.';
    const sentUpstream = await waitFor(
      async () => {
        upstream.reset();
        const { response } = await openai.chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] }, session)
          .withResponse();
        return {
          messages: upstream.requests[0].body.messages as { role: string; content: string }[],
          recalled: response.headers.get('x-switchyard-memory-recalled'),
        };
      },
      (sent) => sent.messages.length > 1,
      { timeoutMs: 15_000, what: 'the recalled exchange in the upstream request' },
    );
    expect(sentUpstream.messages[0].role).toBe('system');
    expect(sentUpstream.messages[0].content).toContain('User: I am allergic to peanuts, keep that in mind for recipes.');
    expect(sentUpstream.messages[0].content).not.toContain('ThinkPad');
    expect(sentUpstream.messages.at(-1)).toEqual({ role: 'user', content: question });
    expect(Number(sentUpstream.recalled)).toBeGreaterThanOrEqual(1);

    const forget = await fetch(`${switchyard.origin}/v1/memory?session=e2e-session-1`, { method: 'DELETE', headers: switchyard.headers() });
    expect(forget.status).toBe(200);
    expect(await forget.json()).toEqual({ session: 'e2e-session-1', deleted: true });
    upstream.reset();
    const { response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] }, session)
      .withResponse();
    expect(upstream.requests[0].body.messages).toHaveLength(1);
    expect(response.headers.get('x-switchyard-memory-recalled')).toBe('0');
  }, 60_000);

  it('stores the exchange of a streamed answer once the stream ended', async () => {
    const session = { headers: { 'x-switchyard-session-id': 'e2e-session-stream' } };
    const stream = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Our budget for the trip is 3000 euros.' }], stream: true },
      session,
    );
    for await (const chunk of stream) void chunk;
    const question = 'How much can we spend on hotels per night?';
    const sent = await waitFor(
      async () => {
        upstream.reset();
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] }, session);
        return upstream.requests[0].body.messages as { role: string; content: string }[];
      },
      (messages) => messages.length > 1,
      { timeoutMs: 15_000, what: 'the streamed exchange recalled in the upstream request' },
    );
    expect(sent[0].content).toContain('User: Our budget for the trip is 3000 euros.');
  }, 60_000);

  it("refuses a malformed session id in OpenAI error format (the id that keys memory is the records' one)", async () => {
    const error = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-switchyard-session-id': 'x'.repeat(200) } })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('x-switchyard-session-id');
    expect(upstream.requests).toHaveLength(0);
  });
});
