import pino from 'pino';
import { configSchema, type CallContext, type ChatRequest, type SwitchyardConfig } from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { waitFor } from '../../../../test/support/wait-for';
import { ReloadableAdapterService } from './reloadable-adapter-service';
import { ReloadableRouterService } from './reloadable-router-service';

const MODEL = 'gpt-4o-2024-08-06';
const env = { HOT_RELOAD_TEST_KEY: 'sk-hot-reload-test' };
const logger = pino({ level: 'silent' });
const request: ChatRequest = {
  model: 'chat',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};

function context(): CallContext {
  return { requestId: `request-${Math.random()}`, signal: new AbortController().signal };
}

/** One provider, `providerId`, at `upstream` (its models listed, or discovered with `null`); the alias `chat` routed to it. */
function configFor(providerId: string, upstream: MockOpenAIUpstream, models: string[] | null = [MODEL]): SwitchyardConfig {
  return configSchema.parse({
    providers: { [providerId]: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: '${HOT_RELOAD_TEST_KEY}', ...(models ? { models } : {}) } },
    routes: { chat: { provider: providerId, model: MODEL } },
  });
}

describe('the reloadable router and adapters (real upstreams)', () => {
  let first: MockOpenAIUpstream;
  let second: MockOpenAIUpstream;
  let adapters: ReloadableAdapterService | undefined;

  beforeAll(async () => {
    [first, second] = await Promise.all([startMockOpenAIUpstream(), startMockOpenAIUpstream()]);
  });

  afterEach(async () => {
    await adapters?.close();
    adapters = undefined;
    first.reset();
    second.reset();
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  /** Router and adapters wired as in one process, and a reload that swaps both. */
  function start(config: SwitchyardConfig) {
    const router = new ReloadableRouterService(config);
    const started = new ReloadableAdapterService(config, { logger, env });
    adapters = started;
    router.onPlan((plan) => started.pin(plan));
    started.onDiscoveredModels((models) => router.applyDiscoveredModels(models));
    const reload = (next: SwitchyardConfig) => {
      const prepared = [started.prepare(next), router.prepare(next)];
      for (const reloadOf of prepared) reloadOf.commit();
    };
    return { router, adapters: started, reload };
  }

  it('runs a plan resolved before a reload on the providers it was resolved with, even once they are removed', async () => {
    const { router, adapters, reload } = start(configFor('alpha', first));
    const before = await router.resolveRoute('chat', context());
    expect(before.attempts[0].deployment.providerId).toBe('alpha');

    reload(configFor('beta', second));

    // Resolved before: alpha, which the new config no longer has, still answers it.
    await adapters.complete(before.attempts[0].deployment, request, context());
    expect(first.requests.filter((received) => received.path === '/v1/chat/completions')).toHaveLength(1);
    // A stream of that plan too.
    const parts = await adapters.stream(before.attempts[0].deployment, { ...request, stream: true }, context());
    for await (const _part of parts);
    expect(first.requests.filter((received) => received.path === '/v1/chat/completions')).toHaveLength(2);
    expect(second.requests).toHaveLength(0);

    // Resolved after: beta.
    const after = await router.resolveRoute('chat', context());
    expect(after.attempts[0].deployment.providerId).toBe('beta');
    await adapters.complete(after.attempts[0].deployment, request, context());
    expect(second.requests.filter((received) => received.path === '/v1/chat/completions')).toHaveLength(1);
  });

  it('refuses, before anything is swapped, a config whose routes name an unknown provider', async () => {
    const { router, adapters } = start(configFor('alpha', first));
    const invalid = { ...configFor('beta', second), routes: { chat: { provider: 'nowhere', model: MODEL } } };

    adapters.prepare(invalid);
    expect(() => router.prepare(invalid)).toThrow(/routes\.chat\.provider: unknown provider "nowhere"/);

    // Neither was committed: alpha serves.
    const plan = await router.resolveRoute('chat', context());
    await adapters.complete(plan.attempts[0].deployment, request, context());
    expect(plan.attempts[0].deployment.providerId).toBe('alpha');
    expect(first.requests.filter((received) => received.path === '/v1/chat/completions')).toHaveLength(1);
  });

  it('asks the new providers for their model lists, with a version that keeps growing across reloads', async () => {
    const { router, adapters, reload } = start(configFor('alpha', first, null));
    await adapters.startModelDiscovery();
    const firstLists = await adapters.discoveredModels(context());
    expect(firstLists.providers.alpha).toContain(MODEL);
    await expect(router.resolveRoute('alpha/not-listed', context())).rejects.toMatchObject({ status: 404 });

    reload(configFor('beta', second, null));

    const next = await waitFor(
      () => adapters.discoveredModels(context()),
      (lists) => lists.providers.beta !== undefined,
      { timeoutMs: 10_000, what: "the new provider's model list", intervalMs: 10 },
    );
    expect(next.version).toBeGreaterThan(firstLists.version);
    // The removed provider's list is no longer announced; the router follows the new one.
    expect(next.providers.alpha).toBeUndefined();
    expect(second.requests.some((received) => received.path === '/v1/models')).toBe(true);
    await expect(router.resolveRoute('beta/not-listed', context())).rejects.toMatchObject({ status: 404 });
    expect((await router.resolveRoute(`beta/${MODEL}`, context())).attempts[0].deployment.providerId).toBe('beta');
  });
});
