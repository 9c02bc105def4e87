import { configSchema, GatewayError, modelOnlyFeatures, type CallContext } from '@switchyard/shared';
import { LocalRouterService } from './router-service';
import { StatisticsTracker } from './statistics';

const context: CallContext = { requestId: 'request-1', signal: new AbortController().signal };

const config = configSchema.parse({
  providers: {
    openai: { kind: 'openai', models: ['gpt-4o', 'gpt-4o-mini', '*'] },
    anthropic: { kind: 'anthropic', models: ['claude-sonnet-4-5', 'claude-*'] },
    azure: { kind: 'openai', models: ['gpt-4o', 'o3'] },
  },
  routes: {
    mix: {
      strategy: 'weighted',
      targets: [
        { provider: 'openai', model: 'gpt-4o' },
        { provider: 'azure', model: 'gpt-4o' },
      ],
    },
    'azure/gpt-4o': { provider: 'openai', model: 'gpt-4o' },
  },
});

describe('LocalRouterService.resolveRoute', () => {
  it('draws weighted choices from the injected random source', async () => {
    const draws = [0.6, 0.1];
    const service = new LocalRouterService(config, { random: () => draws.shift() ?? Number.NaN });
    expect((await service.resolveRoute('mix', context)).attempts[0].deployment.id).toBe('azure/gpt-4o');
    expect((await service.resolveRoute('mix', context)).attempts[0].deployment.id).toBe('openai/gpt-4o');
  });

  it('uses Math.random when none is injected', async () => {
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.9);
    try {
      const service = new LocalRouterService(config);
      expect((await service.resolveRoute('mix', context)).attempts[0].deployment.id).toBe('azure/gpt-4o');
      expect(random).toHaveBeenCalledTimes(1);
    } finally {
      random.mockRestore();
    }
  });

  it('rejects an unknown model with a 404', async () => {
    const service = new LocalRouterService(configSchema.parse({ providers: { azure: { kind: 'openai', models: ['o3'] } } }));
    const failure = service.resolveRoute('gpt-4o', context);
    await expect(failure).rejects.toBeInstanceOf(GatewayError);
    await expect(failure).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('rejects every model with a 503 when no provider is configured', async () => {
    const service = new LocalRouterService(configSchema.parse({}));
    await expect(service.resolveRoute('gpt-4o', context)).rejects.toMatchObject({ status: 503, code: 'no_provider_configured' });
    expect(await service.listModels(context)).toEqual([]);
  });
});

describe('LocalRouterService.listModels', () => {
  it('lists aliases, then concrete models by plain name (first provider wins), then as provider/model', async () => {
    const service = new LocalRouterService(config);
    expect(await service.listModels(context)).toEqual([
      { id: 'mix', ownedBy: 'switchyard' },
      { id: 'azure/gpt-4o', ownedBy: 'switchyard' },
      { id: 'gpt-4o', ownedBy: 'openai' },
      { id: 'gpt-4o-mini', ownedBy: 'openai' },
      { id: 'claude-sonnet-4-5', ownedBy: 'anthropic' },
      { id: 'o3', ownedBy: 'azure' },
      { id: 'openai/gpt-4o', ownedBy: 'openai' },
      { id: 'openai/gpt-4o-mini', ownedBy: 'openai' },
      { id: 'anthropic/claude-sonnet-4-5', ownedBy: 'anthropic' },
      { id: 'azure/o3', ownedBy: 'azure' },
    ]);
  });

  it('hands out a new list each time', async () => {
    const service = new LocalRouterService(config);
    const first = await service.listModels(context);
    first.length = 0;
    expect(await service.listModels(context)).toHaveLength(10);
  });
});

describe('LocalRouterService.applyDiscoveredModels', () => {
  const discovering = configSchema.parse({
    providers: {
      hosted: { kind: 'openai', models: ['gpt-4o-mini'] },
      ollama: { kind: 'openai' },
    },
    routes: { small: { provider: 'ollama', model: 'llama3.2' } },
  });

  it('accepts any model at a provider without a list until its list is known, then only that list', async () => {
    const service = new LocalRouterService(discovering);
    expect(service.followsDiscoveredModels).toBe(true);
    expect((await service.resolveRoute('anything', context)).attempts[0].deployment.id).toBe('ollama/anything');

    service.applyDiscoveredModels({ version: 1, providers: { ollama: ['llama3.2', 'qwen2.5'] } });
    expect((await service.resolveRoute('qwen2.5', context)).attempts[0].deployment.id).toBe('ollama/qwen2.5');
    expect((await service.resolveRoute('ollama/llama3.2', context)).attempts[0].deployment.id).toBe('ollama/llama3.2');
    await expect(service.resolveRoute('anything', context)).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    await expect(service.resolveRoute('ollama/anything', context)).rejects.toMatchObject({ status: 404 });
    // Aliases and configured lists are untouched.
    expect((await service.resolveRoute('small', context)).attempts[0].deployment.id).toBe('ollama/llama3.2');
    expect((await service.resolveRoute('gpt-4o-mini', context)).attempts[0].deployment.id).toBe('hosted/gpt-4o-mini');
    expect((await service.listModels(context)).map((entry) => entry.id)).toEqual([
      'small',
      'gpt-4o-mini',
      'llama3.2',
      'qwen2.5',
      'hosted/gpt-4o-mini',
      'ollama/llama3.2',
      'ollama/qwen2.5',
    ]);
  });

  it('never lets a discovered list replace a configured one, and ignores a version already applied', async () => {
    const service = new LocalRouterService(discovering);
    service.applyDiscoveredModels({ version: 1, providers: { hosted: ['gpt-4o'], ollama: ['llama3.2'] } });
    await expect(service.resolveRoute('gpt-4o', context)).rejects.toMatchObject({ status: 404 });
    service.applyDiscoveredModels({ version: 1, providers: { ollama: ['phi4'] } });
    expect((await service.resolveRoute('llama3.2', context)).attempts[0].deployment.id).toBe('ollama/llama3.2');
  });

  it('does not follow discovery when every provider lists its models', () => {
    expect(new LocalRouterService(config).followsDiscoveredModels).toBe(false);
  });
});

describe('LocalRouterService: live routing', () => {
  const liveConfig = configSchema.parse({
    providers: {
      openai: { kind: 'openai', models: ['gpt-4o', 'gpt-4o-mini'], prices: { 'gpt-4o': { input: 2.5, output: 10 } } },
      anthropic: { kind: 'anthropic', models: ['claude-*'], prices: { 'claude-*': { input: 3, output: 15 } } },
    },
    routes: {
      cheapest: {
        strategy: 'lowest-cost',
        targets: [
          { provider: 'anthropic', model: 'claude-haiku' },
          { provider: 'openai', model: 'gpt-4o' },
          { provider: 'openai', model: 'gpt-4o-mini' },
        ],
      },
      tiered: {
        strategy: 'conditional',
        rules: [{ when: { 'headers.x-user-tier': 'gold' }, target: 1 }],
        default: 0,
        targets: [
          { provider: 'openai', model: 'gpt-4o-mini' },
          { provider: 'openai', model: 'gpt-4o' },
        ],
      },
    },
  });
  const features = (headers: Record<string, string> = {}) => ({ ...modelOnlyFeatures('x', headers), estimatedInputTokens: 1_000 });

  it('prices deployments from the config, then from the model facts given, for lowest-cost', async () => {
    const withoutFacts = new LocalRouterService(liveConfig);
    // gpt-4o-mini has no price in the config: it ranks after the priced ones.
    expect((await withoutFacts.resolveRoute('cheapest', context, features())).attempts.map((attempt) => attempt.deployment.id)).toEqual([
      'openai/gpt-4o',
      'anthropic/claude-haiku',
      'openai/gpt-4o-mini',
    ]);
    const withFacts = new LocalRouterService(liveConfig, {
      modelFacts: (provider, model) =>
        provider.kind === 'openai' ? { price: model === 'gpt-4o-mini' ? { input: 0.15, output: 0.6 } : { input: 99, output: 99 } } : undefined,
    });
    // The config's price wins over the facts' for gpt-4o; gpt-4o-mini takes the facts' price.
    expect((await withFacts.resolveRoute('cheapest', context, features())).attempts[0].deployment.id).toBe('openai/gpt-4o-mini');
    expect((await withFacts.resolveRoute('cheapest', context, features())).attempts[1].deployment.id).toBe('openai/gpt-4o');
  });

  it('routes by request headers when features are given', async () => {
    const service = new LocalRouterService(liveConfig);
    expect((await service.resolveRoute('tiered', context, features({ 'x-user-tier': 'gold' }))).attempts[0].deployment.id).toBe('openai/gpt-4o');
    expect((await service.resolveRoute('tiered', context)).attempts[0].deployment.id).toBe('openai/gpt-4o-mini');
  });

  it('reads the statistics it was given on every resolution', async () => {
    const statistics = new StatisticsTracker();
    const service = new LocalRouterService(liveConfig, { statistics });
    expect((await service.resolveRoute('tiered', context)).attempts.map((attempt) => attempt.deployment.id)).toEqual(['openai/gpt-4o-mini']);
    statistics.setBreakerOpen('openai/gpt-4o-mini', true);
    // The only deployment chosen has an open breaker: it stays, for the executor's gate to judge.
    expect((await service.resolveRoute('tiered', context)).attempts.map((attempt) => attempt.deployment.id)).toEqual(['openai/gpt-4o-mini']);
    expect((await service.resolveRoute('cheapest', context, features())).attempts.map((attempt) => attempt.deployment.id)).toEqual([
      'openai/gpt-4o',
      'anthropic/claude-haiku',
    ]);
  });
});
