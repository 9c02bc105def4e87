import { vectorNamespace, type BeforeOutcome, type ChatRequest } from '@switchyard/shared';
import { ScanVectorStore, WordHashEmbedder, recordingContext, testServices, textResponse, userRequest } from '../__fixtures__/plugin-test-kit';
import { MemoryPlugin, memoryPluginFactory } from './memory-plugin';

const SESSION = { 'x-switchyard-session-id': 'chat-42' };

function setup(memory: Record<string, unknown> = {}) {
  const embedder = new WordHashEmbedder();
  const store = new ScanVectorStore();
  let clock = 1_000_000;
  const services = testServices({ memory: { minScore: 0.3, ...memory } }, embedder, store);
  const plugin = new MemoryPlugin(services.config.memory!, services, () => clock);
  return {
    plugin,
    embedder,
    store,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

/** One full turn through the plugin: before, the "model" answers, after, and the deferred write. */
async function turn(
  plugin: MemoryPlugin,
  request: ChatRequest,
  answer: string,
  options: { workspace?: string; headers?: Record<string, string> } = {},
) {
  const context = recordingContext(request, { headers: SESSION, ...options });
  const outcome = await plugin.beforeRequest(context);
  const sent = outcome?.kind === 'rewrite' ? outcome.request : request;
  // The gateway calls afterResponse on the same context, its request being the rewritten one.
  plugin.afterResponse(Object.assign(context, { request: sent }), textResponse(answer));
  await context.settle();
  return { context, outcome, sent };
}

function systemNote(outcome: BeforeOutcome | void): string | undefined {
  if (outcome?.kind !== 'rewrite') return undefined;
  const note = outcome.request.messages.find((message) => message.role === 'system' && message.content.startsWith('Earlier'));
  return note?.role === 'system' ? note.content : undefined;
}

describe('memory plugin', () => {
  it('is off without a memory section, and does nothing for requests without a session', async () => {
    expect(memoryPluginFactory.create(testServices({}, new WordHashEmbedder()))).toBeUndefined();
    const { plugin, embedder } = setup();
    const context = recordingContext(userRequest('m', 'hello'));
    expect(await plugin.beforeRequest(context)).toBeUndefined();
    expect(plugin.afterResponse(context, textResponse('hi'))).toEqual(textResponse('hi'));
    await context.settle();
    expect(embedder.calls).toEqual([]);
  });

  it('rejects a malformed session id with a 400 naming the header', async () => {
    const { plugin } = setup();
    const outcome = await plugin.beforeRequest(recordingContext(userRequest('m', 'hello'), { headers: { 'x-switchyard-session-id': 'has space' } }));
    expect(outcome).toMatchObject({ kind: 'reject', error: { status: 400, param: 'x-switchyard-session-id', code: 'invalid_session_id' } });
  });

  it('recalls the relevant earlier exchange the request no longer carries, as a system note after the system prompt', async () => {
    const { plugin } = setup();
    await turn(plugin, userRequest('m', 'my favourite colour is teal'), 'Teal is a lovely colour.');
    await turn(plugin, userRequest('m', 'I am planning a trip to Kyoto in April'), 'April is cherry blossom season in Kyoto.');

    const request = userRequest('m', 'which colour did I say is my favourite');
    request.messages.unshift({ role: 'system', content: 'You are helpful.' });
    const { context, outcome } = await turn(plugin, request, 'Teal.');
    const note = systemNote(outcome);
    expect(note).toContain('User: my favourite colour is teal\nAssistant: Teal is a lovely colour.');
    expect(note).not.toContain('Kyoto');
    expect(outcome?.kind === 'rewrite' && outcome.request.messages.map((message) => message.role)).toEqual(['system', 'system', 'user']);
    expect(outcome?.kind === 'rewrite' && outcome.request.messages[0]).toEqual({ role: 'system', content: 'You are helpful.' });
    expect(context.responseHeaders['x-switchyard-memory-recalled']).toBe('1');
    expect(context.annotations.memory_recalled).toBe('1');
  });

  it('does not recall what the request still carries', async () => {
    const { plugin } = setup();
    await turn(plugin, userRequest('m', 'my favourite colour is teal'), 'Teal is a lovely colour.');
    const { outcome, context } = await turn(
      plugin,
      userRequest('m', 'my favourite colour is teal', 'Teal is a lovely colour.', 'what colour is my favourite'),
      'Teal.',
    );
    expect(outcome).toBeUndefined();
    expect(context.responseHeaders['x-switchyard-memory-recalled']).toBe('0');
  });

  it('keeps sessions and workspaces apart', async () => {
    const { plugin, store } = setup();
    await turn(plugin, userRequest('m', 'my favourite colour is teal'), 'Teal is a lovely colour.');
    const otherWorkspace = await turn(plugin, userRequest('m', 'what is my favourite colour'), 'I do not know.', { workspace: 'other' });
    expect(systemNote(otherWorkspace.outcome)).toBeUndefined();
    const otherSession = await turn(plugin, userRequest('m', 'what is my favourite colour'), 'I do not know.', {
      headers: { 'x-switchyard-session-id': 'chat-43' },
    });
    expect(systemNote(otherSession.outcome)).toBeUndefined();
    expect([...store.namespaces.keys()].sort()).toEqual(
      [
        vectorNamespace('default', 'memory', 'chat-42'),
        vectorNamespace('default', 'memory', 'chat-43'),
        vectorNamespace('other', 'memory', 'chat-42'),
      ].sort(),
    );
  });

  it('cuts a long request to its recent messages, storing the cut exchanges and recalling the relevant one', async () => {
    const { plugin, store } = setup({ recentMessages: 2 });
    const history = [
      'my favourite colour is teal',
      'Noted: teal.',
      'I live in Porto',
      'You live in Porto, on the Douro.',
      'I like jazz',
      'Jazz it is.',
    ];
    const { outcome, context } = await turn(plugin, userRequest('m', ...history, 'which colour is my favourite'), 'Teal.');
    expect(context.annotations.memory_trimmed).toBe('6');
    // The first request has nothing stored yet: only the cut.
    expect(outcome?.kind === 'rewrite' && outcome.request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'which colour is my favourite' }] },
    ]);
    // Two vectors for each of the three cut exchanges and the new one.
    expect(store.namespaces.get(vectorNamespace('default', 'memory', 'chat-42'))?.size).toBe(8);

    const next = await turn(plugin, userRequest('m', ...history, 'which colour is my favourite', 'Teal.', 'where do I live'), 'Porto.');
    expect(systemNote(next.outcome)).toContain('User: I live in Porto');
    expect(next.outcome?.kind === 'rewrite' && next.outcome.request.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'text', text: 'where do I live' }],
    });
  });

  it('embeds an exchange once even when the client sends it again', async () => {
    const { plugin, embedder } = setup({ recentMessages: 2 });
    const history = ['my favourite colour is teal', 'Noted: teal.'];
    await turn(plugin, userRequest('m', ...history, 'hello'), 'Hi.');
    // Recall embeds one text; storing, two per exchange (the question and the answer).
    const stored = embedder.calls.filter((texts) => texts.length > 1);
    expect(stored.flat()).toEqual(['my favourite colour is teal', 'Noted: teal.', 'hello', 'Hi.']);
    embedder.calls = [];
    await turn(plugin, userRequest('m', ...history, 'hello', 'Hi.', 'bye'), 'Bye.');
    expect(embedder.calls.filter((texts) => texts.length > 1).flat()).toEqual(['bye', 'Bye.']);
  });

  it('forgets exchanges older than ttlSeconds, deleting them', async () => {
    const { plugin, store, advance } = setup({ ttlSeconds: 60 });
    await turn(plugin, userRequest('m', 'my favourite colour is teal'), 'Teal is a lovely colour.');
    advance(61_000);
    const { outcome } = await turn(plugin, userRequest('m', 'what is my favourite colour'), 'I do not know.');
    expect(systemNote(outcome)).toBeUndefined();
    const users = [...store.namespaces.get(vectorNamespace('default', 'memory', 'chat-42'))!.values()].map((record) => record.payload.user);
    expect(users).toEqual(['what is my favourite colour', 'what is my favourite colour']);
  });

  it('goes on without memory when recall fails, saying so in the record', async () => {
    const { plugin, embedder } = setup();
    embedder.failWith = new Error('store unreachable');
    const context = recordingContext(userRequest('m', 'hello'), { headers: SESSION });
    expect(await plugin.beforeRequest(context)).toBeUndefined();
    expect(context.annotations).toMatchObject({ memory_error: 'store unreachable', memory_recalled: '0' });
  });

  it('forgets a session through DELETE /v1/memory, and answers a 400 without one', async () => {
    const { plugin, store } = setup();
    await turn(plugin, userRequest('m', 'my favourite colour is teal'), 'Teal is a lovely colour.');
    const endpoint = plugin.endpoints[0];
    expect(endpoint).toMatchObject({ method: 'DELETE', path: '/v1/memory', endpoint: 'memory.delete' });
    const call = (query: Record<string, string>, workspace = 'default') =>
      endpoint.handle({
        principal: recordingContext(userRequest('m')).principal,
        workspace,
        body: undefined,
        query,
        signal: new AbortController().signal,
      });
    await call({ session: 'chat-42' }, 'other');
    expect(store.namespaces.has(vectorNamespace('default', 'memory', 'chat-42'))).toBe(true);
    expect(await call({ session: 'chat-42' })).toEqual({ status: 200, body: { session: 'chat-42', deleted: true } });
    expect(store.namespaces.has(vectorNamespace('default', 'memory', 'chat-42'))).toBe(false);
    await expect(call({})).rejects.toMatchObject({ status: 400, param: 'session', code: 'invalid_session_id' });
    // Stored again after a delete: the process does not think it still has it.
    await turn(plugin, userRequest('m', 'my favourite colour is teal'), 'Teal is a lovely colour.');
    expect(store.namespaces.get(vectorNamespace('default', 'memory', 'chat-42'))?.size).toBe(2);
  });
});
