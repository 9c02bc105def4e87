import pino from 'pino';
import {
  configSchema,
  GatewayError,
  normalize,
  similarity,
  type BeforeOutcome,
  type Embedder,
  type PluginServices,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
  type VectorStore,
} from '@switchyard/shared';
import { createCachePlugin } from '.';
import type { CachePlugin } from './cache-plugin';
import { MemoryExactStore } from './memory-exact-store';
import { chatRequest, chatResponse, PROVIDER_OUTCOME, recordingContext } from './__fixtures__/plugin-context-for-tests';

/**
 * The plugin's hooks driven as the gateway drives them. The semantic cases
 * use a bag-of-words embedder and a brute-force store written here: they
 * test the plugin's thresholds, scopes and isolation, not embedding quality
 * (cache-quality.test.ts does, with the real embedder).
 */

class WordEmbedder implements Embedder {
  readonly id = 'test-words-v1';
  readonly dimensions = 256;
  calls = 0;
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls += 1;
    return texts.map((text) => {
      const vector = new Float32Array(this.dimensions);
      for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        let hash = 2166136261;
        for (const character of word) hash = Math.imul(hash ^ character.charCodeAt(0), 16777619);
        vector[(hash >>> 0) % this.dimensions] += 1;
      }
      return normalize(vector);
    });
  }
  async close(): Promise<void> {}
}

class ScanningStore implements VectorStore {
  readonly namespaces = new Map<string, Map<string, VectorRecord>>();
  async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
    if (!this.namespaces.has(namespace)) this.namespaces.set(namespace, new Map());
    for (const record of records) this.namespaces.get(namespace)!.set(record.id, record);
  }
  async query(namespace: string, vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]> {
    return [...(this.namespaces.get(namespace)?.values() ?? [])]
      .filter((record) => Object.entries(query.where ?? {}).every(([key, value]) => record.payload[key] === value))
      .map((record) => ({ id: record.id, score: similarity(vector, record.vector), payload: record.payload }))
      .filter((match) => match.score >= (query.minScore ?? -1))
      .sort((a, b) => b.score - a.score)
      .slice(0, query.k);
  }
  async delete(namespace: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.namespaces.get(namespace)?.delete(id);
  }
  async drop(namespace: string): Promise<void> {
    this.namespaces.delete(namespace);
  }
  async close(): Promise<void> {}
}

interface Setup {
  plugin: CachePlugin;
  clock: { now: number };
  embedder: WordEmbedder;
  store: ScanningStore;
}

function setup(cache: Record<string, unknown>): Setup {
  const clock = { now: 1_800_000_000_000 };
  const embedder = new WordEmbedder();
  const store = new ScanningStore();
  const services: PluginServices = {
    config: configSchema.parse({ cache }),
    logger: pino({ enabled: false }),
    embedder: () => embedder,
    vectorStore: () => store,
    guardrails: () => {
      throw new Error('the cache uses no guardrails');
    },
  };
  const plugin = createCachePlugin(services, { now: () => clock.now, exactStore: new MemoryExactStore(100, () => clock.now) });
  if (!plugin) throw new Error('the cache should be on');
  return { plugin, clock, embedder, store };
}

/** One request through the plugin: its lookup, then (on a miss) the provider's answer and the deferred write. */
async function send(plugin: CachePlugin, options: Parameters<typeof recordingContext>[0], answer = chatResponse('Paris.')) {
  const context = recordingContext(options);
  const outcome = (await plugin.beforeRequest(context)) as BeforeOutcome | undefined;
  if (outcome === undefined) {
    plugin.afterResponse(context, answer, PROVIDER_OUTCOME);
    await context.settle();
  }
  return { context, outcome, header: context.responseHeaders.get('x-switchyard-cache') };
}

describe('the cache plugin, exact tier', () => {
  it('answers a repeated request from the cache, marked as such', async () => {
    const { plugin } = setup({ mode: 'exact' });
    const first = await send(plugin, { request: chatRequest('What is the capital of France?') });
    expect(first.outcome).toBeUndefined();
    expect(first.header).toBe('miss');
    expect(first.context.annotations.get('cache')).toBe('miss');

    const answer = chatResponse('Paris.');
    const second = await send(plugin, { request: chatRequest('What is the capital of France?', { stream: true }) });
    expect(second.header).toBe('hit');
    expect(second.context.annotations.get('cache')).toBe('hit');
    expect(second.outcome).toMatchObject({ kind: 'answer', answer: { servedBy: { plugin: 'cache', detail: 'exact' } } });
    const served = (second.outcome as Extract<BeforeOutcome, { kind: 'answer' }>).answer.response;
    expect(served.choices).toEqual(answer.choices);
    expect(served.usage).toEqual(answer.usage);
  });

  it('does not store an answer that did not end normally, or one a plugin gave', async () => {
    const { plugin } = setup({ mode: 'exact' });
    await send(
      plugin,
      { request: chatRequest('one') },
      chatResponse('x', { choices: [{ index: 0, message: { content: '' }, finishReason: 'content_filter' }] }),
    );
    expect((await send(plugin, { request: chatRequest('one') })).header).toBe('miss');

    const context = recordingContext({ request: chatRequest('two') });
    await plugin.beforeRequest(context);
    plugin.afterResponse(context, chatResponse('y'), { source: 'plugin', servedBy: { plugin: 'other', detail: 'z' } });
    await context.settle();
    expect((await send(plugin, { request: chatRequest('two') })).header).toBe('miss');
  });

  it('expires answers after ttlSeconds', async () => {
    const { plugin, clock } = setup({ mode: 'exact', ttlSeconds: 60 });
    await send(plugin, { request: chatRequest('hello') });
    clock.now += 59_999;
    expect((await send(plugin, { request: chatRequest('hello') })).header).toBe('hit');
    clock.now += 1;
    expect((await send(plugin, { request: chatRequest('hello') })).header).toBe('miss');
  });

  it('bypass neither reads nor writes; refresh skips the lookup and stores the fresh answer', async () => {
    const { plugin } = setup({ mode: 'exact' });
    const bypassed = await send(plugin, { request: chatRequest('hello'), headers: { 'x-switchyard-cache': 'bypass' } });
    expect(bypassed.header).toBe('bypass');
    expect((await send(plugin, { request: chatRequest('hello') })).header).toBe('miss');

    const refreshed = await send(plugin, { request: chatRequest('hello'), headers: { 'x-switchyard-cache': 'refresh' } }, chatResponse('Hi again.'));
    expect(refreshed.header).toBe('bypass');
    expect(refreshed.context.annotations.get('cache')).toBe('refresh');
    const hit = await send(plugin, { request: chatRequest('hello') });
    expect(hit.header).toBe('hit');
    expect((hit.outcome as Extract<BeforeOutcome, { kind: 'answer' }>).answer.response.choices[0].message.content).toBe('Hi again.');
  });

  it('keeps namespaces apart inside a workspace', async () => {
    const { plugin } = setup({ mode: 'exact' });
    await send(plugin, { request: chatRequest('hello'), headers: { 'x-switchyard-cache-namespace': 'team-a' } });
    expect((await send(plugin, { request: chatRequest('hello') })).header).toBe('miss');
    expect((await send(plugin, { request: chatRequest('hello'), headers: { 'x-switchyard-cache-namespace': 'team-b' } })).header).toBe('miss');
    expect((await send(plugin, { request: chatRequest('hello'), headers: { 'x-switchyard-cache-namespace': 'team-a' } })).header).toBe('hit');
  });

  it.each([
    ['x-switchyard-cache', 'sometimes'],
    ['x-switchyard-cache-threshold', '1.5'],
    ['x-switchyard-cache-threshold', 'high'],
    ['x-switchyard-cache-threshold', '0'],
    ['x-switchyard-cache-namespace', 'a b'],
    ['x-switchyard-cache-namespace', 'x'.repeat(65)],
  ])('rejects %s: %s with a 400 naming the header', async (name, value) => {
    const { plugin } = setup({ mode: 'semantic' });
    const { outcome } = await send(plugin, { request: chatRequest('hello'), headers: { [name]: value } });
    expect(outcome?.kind).toBe('reject');
    const error = (outcome as Extract<BeforeOutcome, { kind: 'reject' }>).error;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.status).toBe(400);
    expect(error.param).toBe(name);
    expect(error.message).toContain(name);
  });

  it('takes its mode from the route, then the workspace', async () => {
    const { plugin } = setup({ mode: 'off', routes: { 'gpt-4o-mini': { mode: 'exact' } }, workspaces: { quiet: { mode: 'off' } } });
    await send(plugin, { request: chatRequest('hello') });
    expect((await send(plugin, { request: chatRequest('hello') })).header).toBe('hit');
    expect((await send(plugin, { request: chatRequest('hello', { model: 'gpt-4o' }) })).header).toBeUndefined();
    const quiet = await send(plugin, { request: chatRequest('hello'), workspace: 'quiet' });
    expect(quiet.header).toBeUndefined();
    expect(quiet.context.annotations.size).toBe(0);
  });

  it('counts a failing store as a miss', async () => {
    const clock = { now: 0 };
    const failing = new MemoryExactStore(10, () => clock.now);
    failing.get = () => Promise.reject(new Error('connection lost'));
    const services = {
      config: configSchema.parse({ cache: { mode: 'exact' } }),
      logger: pino({ enabled: false }),
    } as PluginServices;
    const plugin = createCachePlugin(services, { exactStore: failing })!;
    expect((await send(plugin, { request: chatRequest('hello') })).header).toBe('miss');
  });

  it('is not created when no request can use it', () => {
    const services = { config: configSchema.parse({}), logger: pino({ enabled: false }) } as PluginServices;
    expect(createCachePlugin(services)).toBeUndefined();
    expect(createCachePlugin({ ...services, config: configSchema.parse({ cache: { workspaces: { a: { mode: 'exact' } } } }) })).toBeDefined();
  });
});

describe('the cache plugin never answers across workspaces', () => {
  it('keeps each workspace to its own answers, in both tiers, and invalidates one alone', async () => {
    const { plugin, embedder } = setup({ mode: 'semantic', threshold: 0.5 });
    await send(plugin, { request: chatRequest('What is the capital of France?'), workspace: 'acme' }, chatResponse('Paris (acme).'));
    const exactElsewhere = await send(
      plugin,
      { request: chatRequest('What is the capital of France?'), workspace: 'globex' },
      chatResponse('Paris (globex).'),
    );
    expect(exactElsewhere.header).toBe('miss');
    const semanticElsewhere = await send(plugin, { request: chatRequest('What is the capital city of France?'), workspace: 'initech' });
    expect(semanticElsewhere.header).toBe('miss');
    expect(embedder.calls).toBeGreaterThan(0);

    const acme = await send(plugin, { request: chatRequest('What is the capital city of France?'), workspace: 'acme' });
    expect(acme.header).toBe('semantic-hit');
    expect((acme.outcome as Extract<BeforeOutcome, { kind: 'answer' }>).answer.response.choices[0].message.content).toBe('Paris (acme).');

    const [endpoint] = plugin.endpoints;
    const call = {
      principal: recordingContext({ request: chatRequest('x') }).principal,
      query: {},
      body: undefined,
      signal: new AbortController().signal,
    };
    await endpoint.handle({ ...call, workspace: 'acme' });
    expect((await send(plugin, { request: chatRequest('What is the capital of France?'), workspace: 'globex' })).header).toBe('hit');
    const afterInvalidation = await send(
      plugin,
      { request: chatRequest('What is the capital city of France?'), workspace: 'acme' },
      chatResponse('fresh'),
    );
    expect(afterInvalidation.header).toBe('miss');
  });
});

describe('the cache plugin, semantic tier', () => {
  it('answers a request that means the same above the threshold, with its similarity', async () => {
    const { plugin } = setup({ mode: 'semantic', threshold: 0.8 });
    await send(plugin, { request: chatRequest('How do I reset my password?') }, chatResponse('Use the link.'));
    const hit = await send(plugin, { request: chatRequest('how do I reset my password') });
    // Only the exact tier's key changed (case and punctuation): the words, so the toy vectors, are the same.
    expect(hit.header).toBe('semantic-hit');
    expect(hit.context.responseHeaders.get('x-switchyard-cache-similarity')).toBe('1.0000');
    expect(hit.outcome).toMatchObject({ kind: 'answer', answer: { servedBy: { plugin: 'cache', detail: 'semantic' } } });

    const close = await send(plugin, { request: chatRequest('How do I reset my account password?') });
    expect(close.header).toBe('semantic-hit');
    const score = Number(close.context.responseHeaders.get('x-switchyard-cache-similarity'));
    expect(score).toBeGreaterThanOrEqual(0.8);
    expect(score).toBeLessThan(1);
    expect(close.context.annotations.get('cache_similarity')).toBe(close.context.responseHeaders.get('x-switchyard-cache-similarity'));

    expect((await send(plugin, { request: chatRequest('What is the weather in Paris?') })).header).toBe('miss');
  });

  it('honours the threshold header', async () => {
    const { plugin } = setup({ mode: 'semantic', threshold: 0.8 });
    await send(plugin, { request: chatRequest('How do I reset my password?') });
    const strict = await send(plugin, {
      request: chatRequest('How do I reset my account password?'),
      headers: { 'x-switchyard-cache-threshold': '0.99' },
    });
    expect(strict.header).toBe('miss');
  });

  it('never answers across a different system prompt, model or sampling parameters', async () => {
    const { plugin } = setup({ mode: 'semantic', threshold: 0.5 });
    await send(plugin, { request: chatRequest('How do I reset my password?') });
    const base = chatRequest('How do I reset my password please?');
    expect(
      (await send(plugin, { request: { ...base, messages: [{ role: 'system', content: 'Answer in French.' }, base.messages[1]] } })).header,
    ).toBe('miss');
    expect((await send(plugin, { request: { ...base, model: 'gpt-4o' } })).header).toBe('miss');
    expect((await send(plugin, { request: { ...base, sampling: { temperature: 0.9 } } })).header).toBe('miss');
    expect((await send(plugin, { request: { ...base, responseFormat: { type: 'json_object' } } })).header).toBe('miss');
  });

  it('skips and removes expired answers', async () => {
    const { plugin, clock, store } = setup({ mode: 'semantic', threshold: 0.5, ttlSeconds: 10 });
    await send(plugin, { request: chatRequest('How do I reset my password?') });
    clock.now += 10_000;
    const context = recordingContext({ request: chatRequest('How do I reset my password please?') });
    await plugin.beforeRequest(context);
    expect(context.responseHeaders.get('x-switchyard-cache')).toBe('miss');
    const [records] = store.namespaces.values();
    expect(records.size).toBe(1);
    await context.settle();
    expect(records.size).toBe(0);
  });

  it('embeds each prompt once: the lookup vector is reused for the write', async () => {
    const { plugin, embedder } = setup({ mode: 'semantic' });
    await send(plugin, { request: chatRequest('How do I reset my password?') });
    expect(embedder.calls).toBe(1);
  });
});

describe('DELETE /v1/cache', () => {
  function call(plugin: CachePlugin, query: Record<string, string>, role: 'viewer' | 'developer' = 'developer') {
    const principal = { ...recordingContext({ request: chatRequest('x') }).principal, role };
    return plugin.endpoints[0].handle({ principal, workspace: 'default', query, body: undefined, signal: new AbortController().signal });
  }

  it('invalidates one namespace, or the whole workspace', async () => {
    const { plugin } = setup({ mode: 'semantic' });
    await send(plugin, { request: chatRequest('one'), headers: { 'x-switchyard-cache-namespace': 'a' } });
    await send(plugin, { request: chatRequest('one'), headers: { 'x-switchyard-cache-namespace': 'b' } });
    await send(plugin, { request: chatRequest('one') });

    expect(plugin.endpoints[0]).toMatchObject({ method: 'DELETE', path: '/v1/cache', endpoint: 'cache.invalidate' });
    expect(await call(plugin, { namespace: 'a' })).toEqual({
      status: 200,
      body: { object: 'cache.invalidation', workspace: 'default', namespace: 'a', deleted: 1 },
    });
    expect((await send(plugin, { request: chatRequest('one'), headers: { 'x-switchyard-cache-namespace': 'a' } })).header).toBe('miss');
    expect((await send(plugin, { request: chatRequest('one'), headers: { 'x-switchyard-cache-namespace': 'b' } })).header).toBe('hit');

    expect((await call(plugin, {})).body).toMatchObject({ namespace: null, deleted: 3 });
    expect((await send(plugin, { request: chatRequest('one'), headers: { 'x-switchyard-cache-namespace': 'b' } })).header).toBe('miss');
    expect((await send(plugin, { request: chatRequest('one') })).header).toBe('miss');
  });

  it('drops the semantic tier with it', async () => {
    const { plugin, store } = setup({ mode: 'semantic' });
    await send(plugin, { request: chatRequest('How do I reset my password?'), headers: { 'x-switchyard-cache-namespace': 'a' } });
    await send(plugin, { request: chatRequest('How do I reset my password?') });
    expect(store.namespaces.size).toBe(2);
    await call(plugin, {});
    expect(store.namespaces.size).toBe(0);
  });

  it('refuses viewers and malformed namespaces', async () => {
    const { plugin } = setup({ mode: 'exact' });
    await expect(call(plugin, {}, 'viewer')).rejects.toMatchObject({ status: 403, code: 'permission_denied' });
    await expect(call(plugin, { namespace: 'no spaces' })).rejects.toMatchObject({ status: 400, param: 'namespace' });
  });
});
