import { configSchema, GatewayError, type CallContext } from '@switchyard/shared';
import { LocalRouterService } from './router-service';

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
