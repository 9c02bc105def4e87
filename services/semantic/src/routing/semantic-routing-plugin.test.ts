import { GatewayError, configSchema, type BeforeOutcome } from '@switchyard/shared';
import { WordHashEmbedder, recordingContext, testServices, userRequest } from '../__fixtures__/plugin-test-kit';
import { semanticRoutingPluginFactory, type SemanticRoutingPlugin } from './semantic-routing-plugin';

const routes = [
  {
    name: 'billing',
    description: 'questions about invoices, payments and refunds',
    utterances: ['why was my card charged twice', 'send me my invoice for march', 'I want a refund for my payment'],
    target: 'cheap-model',
  },
  {
    name: 'code',
    utterances: ['fix this python function', 'why does my typescript code not compile', 'write a unit test for this function'],
    target: 'openai/gpt-4o',
  },
];

function plugin(overrides: Record<string, unknown> = {}, embedder = new WordHashEmbedder()) {
  const services = testServices({ semanticRouting: { routes, threshold: 0.3, ...overrides } }, embedder);
  return { plugin: semanticRoutingPluginFactory.create(services) as SemanticRoutingPlugin, embedder };
}

function rewrittenModel(outcome: BeforeOutcome | void): string {
  if (!outcome || outcome.kind !== 'rewrite') throw new Error(`expected a rewrite, got ${JSON.stringify(outcome)}`);
  return outcome.request.model;
}

describe('semantic routing plugin', () => {
  it('is off without a semanticRouting section', () => {
    expect(semanticRoutingPluginFactory.create(testServices({}, new WordHashEmbedder()))).toBeUndefined();
  });

  it('leaves requests for other models alone and embeds nothing', async () => {
    const { plugin: routing, embedder } = plugin();
    const context = recordingContext(userRequest('gpt-4o', 'send me my invoice'));
    expect(await routing.beforeRequest(context)).toBeUndefined();
    expect(embedder.calls).toEqual([]);
    expect(context.responseHeaders).toEqual({});
  });

  it('rewrites the model to the nearest route, and says so in headers and the record', async () => {
    const { plugin: routing } = plugin();
    const context = recordingContext(userRequest('switchyard/semantic', 'can you send the invoice for my last payment'));
    expect(rewrittenModel(await routing.beforeRequest(context))).toBe('cheap-model');
    expect(context.responseHeaders['x-switchyard-semantic-route']).toBe('billing');
    const score = Number(context.responseHeaders['x-switchyard-semantic-route-score']);
    expect(score).toBeGreaterThanOrEqual(0.3);
    expect(context.annotations).toEqual({
      semantic_route: 'billing',
      semantic_route_score: score.toFixed(4),
      semantic_route_target: 'cheap-model',
    });
    const code = recordingContext(userRequest('switchyard/semantic', 'hello', 'hi', 'my typescript function does not compile'));
    expect(rewrittenModel(await routing.beforeRequest(code))).toBe('openai/gpt-4o');
  });

  it('embeds the examples once, whatever the number of requests', async () => {
    const { plugin: routing, embedder } = plugin();
    await routing.beforeRequest(recordingContext(userRequest('switchyard/semantic', 'refund my payment')));
    await routing.beforeRequest(recordingContext(userRequest('switchyard/semantic', 'fix my python code')));
    // The examples (6 utterances + 1 description) once, then one text per request.
    expect(embedder.calls.map((texts) => texts.length)).toEqual([7, 1, 1]);
  });

  it('sends a request below the threshold to the default route', async () => {
    const { plugin: routing } = plugin({ default: 'general-model' });
    const context = recordingContext(userRequest('switchyard/semantic', 'what is the weather like in lisbon'));
    expect(rewrittenModel(await routing.beforeRequest(context))).toBe('general-model');
    expect(context.responseHeaders['x-switchyard-semantic-route']).toBe('default');
    expect(Number(context.responseHeaders['x-switchyard-semantic-route-score'])).toBeLessThan(0.3);
    expect(context.annotations.semantic_route).toBe('default');
  });

  it('rejects a request no route fits when there is no default, naming the nearest route', async () => {
    const { plugin: routing } = plugin();
    const outcome = await routing.beforeRequest(recordingContext(userRequest('switchyard/semantic', 'what is the weather like in lisbon')));
    expect(outcome?.kind).toBe('reject');
    const error = (outcome as { error: GatewayError }).error;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, code: 'no_semantic_route', param: 'messages' });
    expect(error.message).toMatch(/nearest route, "(billing|code)", scored -?\d\.\d{4}, below the threshold of 0\.3/);
  });

  it('routes a request without user text to the default, or rejects it without one', async () => {
    const imageOnly = userRequest('switchyard/semantic');
    imageOnly.messages = [{ role: 'user', content: [{ type: 'image', url: 'https://example.com/cat.png' }] } as never];
    const { plugin: withDefault } = plugin({ default: 'general-model' });
    expect(rewrittenModel(await withDefault.beforeRequest(recordingContext(imageOnly)))).toBe('general-model');
    const { plugin: without } = plugin();
    const outcome = await without.beforeRequest(recordingContext(imageOnly));
    expect(outcome).toMatchObject({ kind: 'reject', error: { code: 'no_semantic_route' } });
    expect((outcome as { error: Error }).error.message).toContain('no user message with text');
  });

  it('falls back to the default when the embedder fails, and retries the examples next time', async () => {
    const embedder = new WordHashEmbedder();
    embedder.failWith = new Error('embedder worker exited');
    const { plugin: routing } = plugin({ default: 'general-model' }, embedder);
    const context = recordingContext(userRequest('switchyard/semantic', 'refund my payment'));
    expect(rewrittenModel(await routing.beforeRequest(context))).toBe('general-model');
    expect(context.annotations.semantic_route_error).toBe('embedder worker exited');
    embedder.failWith = undefined;
    expect(rewrittenModel(await routing.beforeRequest(recordingContext(userRequest('switchyard/semantic', 'refund my payment'))))).toBe(
      'cheap-model',
    );
  });

  it('lets an embedder failure through when there is no default', async () => {
    const embedder = new WordHashEmbedder();
    embedder.failWith = new Error('embedder worker exited');
    const { plugin: routing } = plugin({}, embedder);
    await expect(routing.beforeRequest(recordingContext(userRequest('switchyard/semantic', 'refund my payment')))).rejects.toThrow(
      'embedder worker exited',
    );
  });

  it('answers the classify endpoint, and a clear 400 for a bad body', async () => {
    const { plugin: routing } = plugin({ default: 'general-model' });
    const endpoint = routing.endpoints[0];
    expect(endpoint).toMatchObject({ method: 'POST', path: '/v1/semantic-routing/classify', endpoint: 'semantic-routing.classify' });
    const call = (body: unknown) =>
      endpoint.handle({
        principal: recordingContext(userRequest('m')).principal,
        workspace: 'default',
        body,
        query: {},
        signal: new AbortController().signal,
      });
    const result = await call({ text: 'write a unit test for my function' });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ route: 'code', target: 'openai/gpt-4o', nearest: 'code' });
    await expect(call({ text: 42 })).rejects.toMatchObject({ status: 400, param: 'text', message: '`text` must be a non-empty string.' });
  });

  it('routes by the vote of the k nearest examples with method knn', async () => {
    const { plugin: routing } = plugin({ method: 'knn', k: 3 });
    const context = recordingContext(userRequest('switchyard/semantic', 'please write a test for this python function'));
    expect(rewrittenModel(await routing.beforeRequest(context))).toBe('openai/gpt-4o');
    expect(context.responseHeaders['x-switchyard-semantic-route']).toBe('code');
  });
});

describe('semanticRouting config', () => {
  const parse = (semanticRouting: unknown) => configSchema.safeParse({ semanticRouting });

  it('fills in the defaults', () => {
    const parsed = configSchema.parse({ semanticRouting: { routes } }).semanticRouting;
    expect(parsed).toMatchObject({ model: 'switchyard/semantic', method: 'centroid', k: 5, threshold: 0.2 });
  });

  it.each([
    ['no routes', { routes: [] }, ['semanticRouting', 'routes']],
    ['a duplicate name', { routes: [routes[0], { ...routes[1], name: 'billing' }] }, ['semanticRouting', 'routes', 1, 'name']],
    ['a target that loops', { routes: [{ ...routes[0], target: 'switchyard/semantic' }] }, ['semanticRouting', 'routes', 0, 'target']],
    ['a default that loops', { routes, default: 'switchyard/semantic' }, ['semanticRouting', 'default']],
    ['a route without utterances', { routes: [{ ...routes[0], utterances: [] }] }, ['semanticRouting', 'routes', 0, 'utterances']],
    ['a threshold above 1', { routes, threshold: 2 }, ['semanticRouting', 'threshold']],
    ['an unknown method', { routes, method: 'svm' }, ['semanticRouting', 'method']],
  ])('rejects %s at the exact path', (_label, section, path) => {
    const parsed = parse(section);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path)).toContainEqual(path);
  });
});
