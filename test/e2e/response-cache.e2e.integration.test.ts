import { randomUUID } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { DEFAULT_FIXTURES, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type RunningSwitchyard } from './switchyard-harness';

jest.setTimeout(120_000);

/**
 * The cache plugin through the real gateway in one process, read by the
 * official `openai` SDK: an exact hit and a semantic hit (the offline
 * embedder and the embedded HNSW store, both real) answered with no
 * upstream call, a streamed replay, no answer across workspaces, the
 * invalidation endpoint, header errors in OpenAI's format, the record, and
 * a hit on Anthropic Messages read by the official Anthropic SDK.
 */

const SYSTEM = 'You answer questions about the account settings.';

describe('the response cache through the gateway (embedded)', () => {
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
      cache: { mode: 'semantic' },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey!, maxRetries: 0 });
  }, 120_000);

  afterEach(() => {
    upstream.reset();
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  function ask(prompt: string, headers: Record<string, string> = {}) {
    return client.chat.completions
      .create(
        {
          model: 'gpt-4o-mini',
          temperature: 0,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: prompt },
          ],
        },
        { headers },
      )
      .withResponse();
  }

  /**
   * The first request's answer is written after the response: asks until
   * the cache serves it (a miss meanwhile goes upstream again), and checks
   * that the answering request itself made no upstream call.
   */
  async function cached(prompt: string, expected = 'hit', headers: Record<string, string> = {}) {
    const found = await waitFor(
      async () => {
        const before = upstream.requests.length;
        return { ...(await ask(prompt, headers)), upstreamCalls: upstream.requests.length - before };
      },
      ({ response }) => response.headers.get('x-switchyard-cache') === expected,
      { timeoutMs: 20_000, what: `a cache ${expected} for "${prompt}"` },
    );
    expect(found.upstreamCalls).toBe(0);
    return found;
  }

  it('answers a repeated request from the cache, with no upstream call and no provider headers', async () => {
    const prompt = `What is my account id? ${randomUUID()}`;
    const first = await ask(prompt);
    expect(first.response.headers.get('x-switchyard-cache')).toBe('miss');
    expect(upstream.requests).toHaveLength(1);

    const hit = await cached(prompt);
    expect(hit.response.headers.get('x-switchyard-served-by')).toBe('cache');
    expect(hit.response.headers.get('x-switchyard-served-by-detail')).toBe('exact');
    expect(hit.response.headers.get('x-switchyard-provider')).toBeNull();
    expect(hit.data.choices[0].message.content).toBe(first.data.choices[0].message.content);
    expect(hit.data.usage).toEqual(first.data.usage);
  });

  it('replays a cached answer as a stream the SDK reads', async () => {
    const prompt = `Summarise my plan. ${randomUUID()}`;
    const first = await ask(prompt);
    await cached(prompt);
    upstream.reset();

    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: prompt },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-switchyard-cache')).toBe('hit');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(first.data.choices[0].message.content);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(first.data.usage?.completion_tokens);
    expect(upstream.requests).toHaveLength(0);
  });

  it('caches a streamed answer, assembled, for the next request', async () => {
    const prompt = `Stream my invoices. ${randomUUID()}`;
    upstream.enqueue({ kind: 'stream-fixture', file: DEFAULT_FIXTURES.stream });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      temperature: 0,
      stream: true,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: prompt },
      ],
    });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    const hit = await cached(prompt);
    expect(hit.data.choices[0].message.content).toBe(streamed);
  });

  it('answers a request that means the same from the semantic tier, with its similarity', async () => {
    const first = await ask('How do I reset my password?');
    expect(first.response.headers.get('x-switchyard-cache')).toBe('miss');
    const paraphrase = await cached('How can I reset my password?', 'semantic-hit');
    const similarity = Number(paraphrase.response.headers.get('x-switchyard-cache-similarity'));
    expect(similarity).toBeGreaterThanOrEqual(0.8);
    expect(similarity).toBeLessThan(1);
    expect(paraphrase.response.headers.get('x-switchyard-served-by-detail')).toBe('semantic');
    expect(paraphrase.data.choices[0].message.content).toBe(first.data.choices[0].message.content);

    const unrelated = await ask('Which currencies can I pay my invoices in?');
    expect(unrelated.response.headers.get('x-switchyard-cache')).toBe('miss');
  });

  it('records who served the request', async () => {
    const prompt = `Where is my data stored? ${randomUUID()}`;
    await ask(prompt);
    const hit = await cached(prompt);
    const requestId = hit.response.headers.get('x-request-id')!;
    const record = await waitFor(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      },
      ({ status }) => status === 200,
      { timeoutMs: 10_000, what: `the record of ${requestId}` },
    );
    expect(record.body).toMatchObject({
      served_by: 'cache',
      served_by_detail: 'exact',
      cache_status: 'hit',
      provider: null,
      cost_usd: 0,
      annotations: { cache: 'hit' },
    });
  });

  it('never answers from another workspace, and invalidates one workspace alone', async () => {
    const prompt = `Who can see my dashboards? ${randomUUID()}`;
    await ask(prompt);
    await cached(prompt);
    const otherKey = await createKey(switchyard, `other-${randomUUID().slice(0, 8)}`);
    const other = new OpenAI({ baseURL: switchyard.baseURL, apiKey: otherKey, maxRetries: 0 });
    const ask2 = () =>
      other.chat.completions
        .create({
          model: 'gpt-4o-mini',
          temperature: 0,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: prompt },
          ],
        })
        .withResponse();
    expect((await ask2()).response.headers.get('x-switchyard-cache')).toBe('miss');
    await waitFor(ask2, ({ response }) => response.headers.get('x-switchyard-cache') === 'hit', {
      timeoutMs: 20_000,
      what: 'the other workspace’s own hit',
    });

    const invalidated = await fetch(`${switchyard.origin}/v1/cache`, { method: 'DELETE', headers: switchyard.headers() });
    expect(invalidated.status).toBe(200);
    expect(await invalidated.json()).toMatchObject({ object: 'cache.invalidation', namespace: null });
    expect((await ask(prompt)).response.headers.get('x-switchyard-cache')).toBe('miss');
    expect((await ask2()).response.headers.get('x-switchyard-cache')).toBe('hit');
  });

  it('serves Anthropic Messages from the cache too, in Anthropic format', async () => {
    const anthropic = new Anthropic({ baseURL: switchyard.origin, apiKey: switchyard.apiKey, maxRetries: 0 });
    const prompt = `How long are my invoices kept? ${randomUUID()}`;
    const send = () =>
      anthropic.messages
        .create({ model: 'gpt-4o-mini', max_tokens: 256, system: SYSTEM, messages: [{ role: 'user', content: prompt }] })
        .withResponse();
    const first = await send();
    expect(first.response.headers.get('x-switchyard-cache')).toBe('miss');
    const hit = await waitFor(
      async () => {
        const before = upstream.requests.length;
        return { ...(await send()), upstreamCalls: upstream.requests.length - before };
      },
      ({ response }) => response.headers.get('x-switchyard-cache') === 'hit',
      { timeoutMs: 20_000, what: 'an Anthropic cache hit' },
    );
    expect(hit.upstreamCalls).toBe(0);
    expect(hit.data.type).toBe('message');
    expect(hit.data.content).toEqual(first.data.content);
    expect(hit.data.stop_reason).toBe(first.data.stop_reason);
  });

  it('answers a malformed cache header with an OpenAI error naming it', async () => {
    const failure = await ask('hello', { 'x-switchyard-cache-threshold': '2' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect(failure).toMatchObject({ status: 400, param: 'x-switchyard-cache-threshold', type: 'invalid_request_error' });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('the semantic cache on provider embeddings (embedded)', () => {
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
      embedder: { kind: 'provider', model: 'text-embedding-3-small', dimensions: 256 },
      cache: { mode: 'semantic', threshold: 0.9 },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey!, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  it("embeds prompts through the gateway's own routing and answers a reworded one from the cache", async () => {
    const ask = (prompt: string) =>
      client.chat.completions.create({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: prompt }] }).withResponse();
    const tag = randomUUID().slice(0, 8);
    const first = await ask(`How do I reset my password for account ${tag}?`);
    expect(first.response.headers.get('x-switchyard-cache')).toBe('miss');
    // The prompt's vector came from the provider, through the same adapters as a client's embeddings request.
    const embedded = await waitFor(
      async () => upstream.requests.filter((request) => request.path === '/v1/embeddings'),
      (requests) => requests.some((request) => JSON.stringify(request.body).includes(tag)),
      { timeoutMs: 20_000, what: 'an upstream embeddings request for the prompt' },
    );
    expect(embedded[0].body).toMatchObject({ model: 'text-embedding-3-small' });

    // Same words in another order and case: the hashed provider vectors are identical, the hash of the text is not.
    const hit = await waitFor(
      () => ask(`how do I RESET my password for account ${tag}`),
      ({ response }) => response.headers.get('x-switchyard-cache') === 'semantic-hit',
      { timeoutMs: 20_000, what: 'a semantic hit on provider embeddings' },
    );
    expect(Number(hit.response.headers.get('x-switchyard-cache-similarity'))).toBeGreaterThanOrEqual(0.9);
    expect(hit.data.choices[0].message.content).toBe(first.data.choices[0].message.content);
  });
});

/** A virtual key in a workspace of its own, made through the admin API. */
async function createKey(switchyard: RunningSwitchyard, workspace: string): Promise<string> {
  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${switchyard.origin}/admin/v1/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${switchyard.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status !== 201) throw new Error(`POST /admin/v1/${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };
  await admin('workspaces', { id: workspace, organization: 'default' });
  return (await admin('keys', { workspace, name: 'cache-e2e' })).key as string;
}
