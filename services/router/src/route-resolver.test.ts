import { chatRequestFeatures, ConfigError, configSchema, GatewayError, type LiveStatistics, type RoutePlan } from '@switchyard/shared';
import { StatisticsTracker } from './statistics';
import { ModelCatalog } from './model-catalog';
import { RouteResolver } from './route-resolver';

const providers = {
  openai: { kind: 'openai', models: ['gpt-4o', 'gpt-4o-mini', 'o3-*'] },
  anthropic: { kind: 'anthropic', models: ['claude-sonnet-4-5', 'claude-*'] },
  openrouter: { kind: 'openai', models: ['meta-llama/*', 'mistral-large'] },
  together: { kind: 'openai', models: ['meta-llama/llama-3-8b', 'qwen-*'] },
  local: { kind: 'openai', models: ['*'] },
};

function resolverOf(
  input: { providers?: object; routes?: object },
  random: () => number = Math.random,
  context: Omit<ConstructorParameters<typeof RouteResolver>[2], 'random'> = {},
): RouteResolver {
  const config = configSchema.parse(input);
  return new RouteResolver(config.routes, new ModelCatalog(config.providers), { random, ...context });
}

/** Statistics in which the deployments named have an open breaker. */
function openBreakers(...ids: string[]): LiveStatistics {
  return { get: (id) => (ids.includes(id) ? { inFlight: 0, samples: 5, breakerOpen: true } : undefined) };
}

/** Random numbers from a fixed list, in order. */
function sequence(...values: number[]): () => number {
  let next = 0;
  return () => {
    if (next >= values.length) throw new Error('the test ran out of random numbers');
    return values[next++];
  };
}

/** A plan as `deployment id @ route path` lines. */
function summary(plan: RoutePlan): string[] {
  return plan.attempts.map((attempt) => `${attempt.deployment.id} @ ${attempt.routePath}`);
}

function errorOf(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('RouteResolver: aliases', () => {
  it('resolves a leaf alias to its deployment at the root path', () => {
    const resolver = resolverOf({ providers, routes: { fast: { provider: 'openai', model: 'gpt-4o-mini' } } });
    expect(resolver.resolve('fast')).toEqual({
      requestedModel: 'fast',
      attempts: [{ deployment: { id: 'openai/gpt-4o-mini', providerId: 'openai', model: 'gpt-4o-mini' }, routePath: '' }],
    });
  });

  it('resolves `single` to its one target', () => {
    const resolver = resolverOf({
      providers,
      routes: { main: { strategy: 'single', targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
    });
    expect(summary(resolver.resolve('main'))).toEqual(['anthropic/claude-sonnet-4-5 @ targets[0]']);
  });

  it('resolves `fallback` to every target in order', () => {
    const resolver = resolverOf({
      providers,
      routes: {
        safe: {
          strategy: 'fallback',
          targets: [
            { provider: 'openai', model: 'gpt-4o' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
            { provider: 'local', model: 'llama3' },
          ],
        },
      },
    });
    expect(summary(resolver.resolve('safe'))).toEqual([
      'openai/gpt-4o @ targets[0]',
      'anthropic/claude-sonnet-4-5 @ targets[1]',
      'local/llama3 @ targets[2]',
    ]);
  });

  it('resolves `round-robin` to one target in turn, across requests', () => {
    const resolver = resolverOf({
      providers,
      routes: {
        spread: {
          strategy: 'round-robin',
          targets: [
            { provider: 'openai', model: 'gpt-4o' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          ],
        },
      },
    });
    const chosen = Array.from({ length: 5 }, () => summary(resolver.resolve('spread')));
    expect(chosen).toEqual([
      ['openai/gpt-4o @ targets[0]'],
      ['anthropic/claude-sonnet-4-5 @ targets[1]'],
      ['openai/gpt-4o @ targets[0]'],
      ['anthropic/claude-sonnet-4-5 @ targets[1]'],
      ['openai/gpt-4o @ targets[0]'],
    ]);
  });

  it('gives each round-robin target exactly its share over many requests', () => {
    const resolver = resolverOf({
      providers,
      routes: {
        spread: {
          strategy: 'round-robin',
          targets: [
            { provider: 'openai', model: 'gpt-4o' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
            { provider: 'local', model: 'llama3' },
          ],
        },
      },
    });
    const counts = new Map<string, number>();
    for (let request = 0; request < 3_003; request++) {
      const id = resolver.resolve('spread').attempts[0].deployment.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ 'openai/gpt-4o': 1_001, 'anthropic/claude-sonnet-4-5': 1_001, 'local/llama3': 1_001 });
  });

  it('keeps a separate round-robin turn for each alias', () => {
    const targets = [
      { provider: 'openai', model: 'gpt-4o' },
      { provider: 'local', model: 'llama3' },
    ];
    const resolver = resolverOf({
      providers,
      routes: { first: { strategy: 'round-robin', targets }, second: { strategy: 'round-robin', targets } },
    });
    expect(resolver.resolve('first').attempts[0].deployment.id).toBe('openai/gpt-4o');
    expect(resolver.resolve('first').attempts[0].deployment.id).toBe('local/llama3');
    expect(resolver.resolve('second').attempts[0].deployment.id).toBe('openai/gpt-4o');
  });

  it('resolves `weighted` to one target drawn in proportion to weight, the default weight being 1', () => {
    // Weights 3 and 1 (default): draws below 3/4 choose openai.
    const resolver = resolverOf(
      {
        providers,
        routes: {
          mix: {
            strategy: 'weighted',
            targets: [
              { provider: 'openai', model: 'gpt-4o', weight: 3 },
              { provider: 'anthropic', model: 'claude-sonnet-4-5' },
            ],
          },
        },
      },
      sequence(0.1, 0.74, 0.75, 0.99),
    );
    const chosen = Array.from({ length: 4 }, () => summary(resolver.resolve('mix')));
    expect(chosen).toEqual([
      ['openai/gpt-4o @ targets[0]'],
      ['openai/gpt-4o @ targets[0]'],
      ['anthropic/claude-sonnet-4-5 @ targets[1]'],
      ['anthropic/claude-sonnet-4-5 @ targets[1]'],
    ]);
  });

  it('expands nested trees, recording the exact path of each attempt', () => {
    const resolver = resolverOf(
      {
        providers,
        routes: {
          smart: {
            strategy: 'fallback',
            targets: [
              {
                strategy: 'weighted',
                targets: [
                  { provider: 'openai', model: 'gpt-4o', weight: 1 },
                  { provider: 'anthropic', model: 'claude-sonnet-4-5', weight: 1 },
                ],
              },
              {
                strategy: 'round-robin',
                targets: [
                  { provider: 'together', model: 'meta-llama/llama-3-8b' },
                  { strategy: 'single', targets: [{ provider: 'openrouter', model: 'mistral-large' }] },
                ],
              },
              { provider: 'local', model: 'llama3' },
            ],
          },
        },
      },
      sequence(0.7, 0.2),
    );
    expect(summary(resolver.resolve('smart'))).toEqual([
      'anthropic/claude-sonnet-4-5 @ targets[0].targets[1]',
      'together/meta-llama/llama-3-8b @ targets[1].targets[0]',
      'local/llama3 @ targets[2]',
    ]);
    expect(summary(resolver.resolve('smart'))).toEqual([
      'openai/gpt-4o @ targets[0].targets[0]',
      'openrouter/mistral-large @ targets[1].targets[1].targets[0]',
      'local/llama3 @ targets[2]',
    ]);
  });

  it('weights a nested node by its own weight', () => {
    const resolver = resolverOf(
      {
        providers,
        routes: {
          mix: {
            strategy: 'weighted',
            targets: [
              { provider: 'local', model: 'llama3' },
              {
                strategy: 'fallback',
                weight: 9,
                targets: [
                  { provider: 'openai', model: 'gpt-4o' },
                  { provider: 'anthropic', model: 'claude-sonnet-4-5' },
                ],
              },
            ],
          },
        },
      },
      sequence(0.05, 0.15),
    );
    expect(summary(resolver.resolve('mix'))).toEqual(['local/llama3 @ targets[0]']);
    expect(summary(resolver.resolve('mix'))).toEqual([
      'openai/gpt-4o @ targets[1].targets[0]',
      'anthropic/claude-sonnet-4-5 @ targets[1].targets[1]',
    ]);
  });

  it('prefers an alias over a model of the same name', () => {
    const resolver = resolverOf({ providers, routes: { 'gpt-4o': { provider: 'anthropic', model: 'claude-sonnet-4-5' } } });
    expect(summary(resolver.resolve('gpt-4o'))).toEqual(['anthropic/claude-sonnet-4-5 @ ']);
  });

  it('hands out a new plan each time, so a caller cannot change the next one', () => {
    const resolver = resolverOf({ providers, routes: { fast: { provider: 'openai', model: 'gpt-4o-mini' } } });
    const first = resolver.resolve('fast');
    first.attempts.push(first.attempts[0]);
    expect(resolver.resolve('fast').attempts).toHaveLength(1);
    expect(Object.isFrozen(first.attempts[0])).toBe(true);
    expect(Object.isFrozen(first.attempts[0].deployment)).toBe(true);
  });

  it('refuses a route to an unknown provider, naming where it is', () => {
    expect(() =>
      resolverOf({
        providers,
        routes: {
          bad: {
            strategy: 'fallback',
            targets: [
              { provider: 'openai', model: 'gpt-4o' },
              { provider: 'azure', model: 'gpt-4o' },
            ],
          },
        },
      }),
    ).toThrow(new ConfigError('invalid config:\n  - routes.bad.targets[1].provider: unknown provider "azure"'));
  });

  it('refuses a `single` node with more than one target, naming where it is', () => {
    const targets = [
      { provider: 'openai', model: 'gpt-4o' },
      { provider: 'local', model: 'llama3' },
    ];
    expect(() => resolverOf({ providers, routes: { bad: { strategy: 'fallback', targets: [{ strategy: 'single', targets }] } } })).toThrow(
      new ConfigError('invalid config:\n  - routes.bad.targets[0]: strategy "single" takes exactly one target, got 2'),
    );
  });
});

describe('RouteResolver: provider/model', () => {
  const resolver = resolverOf({ providers });

  it('resolves a model the provider lists', () => {
    expect(resolver.resolve('anthropic/claude-sonnet-4-5')).toEqual({
      requestedModel: 'anthropic/claude-sonnet-4-5',
      attempts: [{ deployment: { id: 'anthropic/claude-sonnet-4-5', providerId: 'anthropic', model: 'claude-sonnet-4-5' }, routePath: '' }],
    });
  });

  it('resolves a model that one of the provider’s patterns matches', () => {
    expect(summary(resolver.resolve('openai/o3-mini'))).toEqual(['openai/o3-mini @ ']);
    expect(summary(resolver.resolve('local/whatever-model'))).toEqual(['local/whatever-model @ ']);
  });

  it('splits at the first slash only, so model names may contain slashes', () => {
    expect(resolver.resolve('openrouter/meta-llama/llama-3-8b').attempts[0].deployment).toEqual({
      id: 'openrouter/meta-llama/llama-3-8b',
      providerId: 'openrouter',
      model: 'meta-llama/llama-3-8b',
    });
    expect(resolver.resolve('together/meta-llama/llama-3-8b').attempts[0].deployment.providerId).toBe('together');
  });

  it('refuses a model the named provider does not serve, even when another provider would', () => {
    const error = errorOf(() => resolver.resolve('openai/claude-sonnet-4-5'));
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    expect(error.message).toContain('`openai/claude-sonnet-4-5`');
    expect(errorOf(() => resolver.resolve('openai/')).code).toBe('model_not_found');
  });
});

describe('RouteResolver: plain model names', () => {
  it('goes to the first provider that lists the model', () => {
    const resolver = resolverOf({
      providers: {
        wide: { kind: 'openai', models: ['*'] },
        family: { kind: 'openai', models: ['gpt-*'] },
        first: { kind: 'openai', models: ['gpt-4o'] },
        second: { kind: 'openai', models: ['gpt-4o'] },
      },
    });
    expect(summary(resolver.resolve('gpt-4o'))).toEqual(['first/gpt-4o @ ']);
  });

  it('else to the first provider with a matching pattern other than `*`', () => {
    const resolver = resolverOf({
      providers: {
        wide: { kind: 'openai', models: ['*'] },
        other: { kind: 'openai', models: ['claude-*'] },
        family: { kind: 'openai', models: ['gpt-4o', 'gpt-*'] },
        later: { kind: 'openai', models: ['gpt-4*'] },
      },
    });
    expect(summary(resolver.resolve('gpt-4.1'))).toEqual(['family/gpt-4.1 @ ']);
  });

  it('else to the first provider with `*`', () => {
    const resolver = resolverOf({
      providers: {
        narrow: { kind: 'openai', models: ['gpt-4o'] },
        wide: { kind: 'openai', models: ['gpt-4o-mini', '*'] },
        wider: { kind: 'openai', models: ['*'] },
      },
    });
    expect(summary(resolver.resolve('mistral-large'))).toEqual(['wide/mistral-large @ ']);
  });

  it('treats a name whose prefix is not a provider id as a plain model name', () => {
    const resolver = resolverOf({ providers });
    expect(summary(resolver.resolve('meta-llama/llama-3-8b'))).toEqual(['together/meta-llama/llama-3-8b @ ']);
    expect(summary(resolver.resolve('meta-llama/llama-3-70b'))).toEqual(['openrouter/meta-llama/llama-3-70b @ ']);
    expect(summary(resolver.resolve('unknown/model'))).toEqual(['local/unknown/model @ ']);
  });

  it('refuses a model no provider serves with a 404', () => {
    const resolver = resolverOf({ providers: { openai: { kind: 'openai', models: ['gpt-4o'] } } });
    const error = errorOf(() => resolver.resolve('gpt-5'));
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', errorClass: 'not_found', param: 'model' });
    expect(error.message).toContain('`gpt-5`');
    expect(errorOf(() => resolver.resolve('')).code).toBe('model_not_found');
  });
});

describe('RouteResolver: no providers', () => {
  it('answers 503 no_provider_configured for any model', () => {
    const resolver = resolverOf({});
    for (const model of ['gpt-4o', 'openai/gpt-4o']) {
      expect(errorOf(() => resolver.resolve(model))).toMatchObject({ status: 503, code: 'no_provider_configured' });
    }
  });
});

describe('RouteResolver: features and live statistics', () => {
  const chat = (text: string, extra: object = {}) =>
    chatRequestFeatures({
      model: 'smart',
      messages: [{ role: 'user', content: [{ type: 'text', text }] }],
      sampling: {},
      stream: false,
      ...extra,
    } as never);

  const routes = {
    smart: {
      strategy: 'conditional',
      rules: [
        { when: { 'metadata.tier': 'premium' }, target: 'premium' },
        { when: { estimatedInputTokens: { gt: 1000 } }, target: 'long' },
      ],
      default: 'pool',
      targets: [
        {
          name: 'premium',
          strategy: 'fallback',
          targets: [
            { provider: 'openai', model: 'gpt-4o' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          ],
        },
        { name: 'long', provider: 'anthropic', model: 'claude-sonnet-4-5' },
        {
          name: 'pool',
          strategy: 'least-latency',
          exploration: 0,
          targets: [
            { provider: 'openai', model: 'gpt-4o-mini' },
            { provider: 'local', model: 'llama3' },
          ],
        },
      ],
    },
  };

  it('passes the request features down the tree, recording the path taken', () => {
    const resolver = resolverOf({ providers, routes });
    expect(summary(resolver.resolve('smart', chat('hi', { metadata: { tier: 'premium' } })))).toEqual([
      'openai/gpt-4o @ targets[0].targets[0]',
      'anthropic/claude-sonnet-4-5 @ targets[0].targets[1]',
    ]);
    expect(summary(resolver.resolve('smart', chat('x'.repeat(8_000))))).toEqual(['anthropic/claude-sonnet-4-5 @ targets[1]']);
    expect(summary(resolver.resolve('smart', chat('hi')))).toEqual([
      'openai/gpt-4o-mini @ targets[2].targets[0]',
      'local/llama3 @ targets[2].targets[1]',
    ]);
  });

  it('passes the live statistics down the tree', () => {
    const resolver = resolverOf({ providers, routes });
    const tracker = new StatisticsTracker();
    tracker.record({
      attempts: [
        {
          deployment: { id: 'openai/gpt-4o-mini', providerId: 'openai', model: 'gpt-4o-mini' },
          routePath: '',
          retry: 0,
          outcome: 'succeeded',
          durationMs: 900,
        },
        { deployment: { id: 'local/llama3', providerId: 'local', model: 'llama3' }, routePath: '', retry: 0, outcome: 'succeeded', durationMs: 90 },
      ],
    });
    expect(summary(resolver.resolve('smart', chat('hi'), tracker))[0]).toBe('local/llama3 @ targets[2].targets[1]');
  });

  it('resolves without features as a request that says only its model', () => {
    const resolver = resolverOf({ providers, routes });
    expect(summary(resolver.resolve('smart'))[0]).toBe('openai/gpt-4o-mini @ targets[2].targets[0]');
  });

  it('leaves deployments whose breaker is open out of the plan, unless nothing else is left', () => {
    const resolver = resolverOf({
      providers,
      routes: {
        safe: {
          strategy: 'fallback',
          targets: [
            { provider: 'openai', model: 'gpt-4o' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          ],
        },
      },
    });
    expect(summary(resolver.resolve('safe', undefined, openBreakers('openai/gpt-4o')))).toEqual(['anthropic/claude-sonnet-4-5 @ targets[1]']);
    expect(summary(resolver.resolve('safe', undefined, openBreakers('openai/gpt-4o', 'anthropic/claude-sonnet-4-5')))).toEqual([
      'openai/gpt-4o @ targets[0]',
      'anthropic/claude-sonnet-4-5 @ targets[1]',
    ]);
  });

  it('keeps a model asked for directly even when its breaker is open: there is nothing else', () => {
    const resolver = resolverOf({ providers });
    expect(summary(resolver.resolve('gpt-4o', undefined, openBreakers('openai/gpt-4o')))).toEqual(['openai/gpt-4o @ ']);
  });

  it('answers 503 no_deployment_available when every budget of a budget-aware route is spent', () => {
    const resolver = resolverOf(
      {
        providers,
        routes: {
          thrifty: {
            strategy: 'budget-aware',
            targets: [
              { provider: 'openai', model: 'gpt-4o' },
              { provider: 'local', model: 'llama3' },
            ],
          },
        },
      },
      Math.random,
      { budgets: { isSpent: (deployment) => deployment.providerId === 'openai' } },
    );
    expect(summary(resolver.resolve('thrifty'))).toEqual(['local/llama3 @ targets[1]']);
    const everyBudgetSpent = resolverOf(
      { providers, routes: { thrifty: { strategy: 'budget-aware', targets: [{ provider: 'openai', model: 'gpt-4o' }] } } },
      Math.random,
      { budgets: { isSpent: () => true } },
    );
    expect(errorOf(() => everyBudgetSpent.resolve('thrifty'))).toMatchObject({
      status: 503,
      code: 'no_deployment_available',
      errorClass: 'unavailable',
    });
  });

  it('refuses a conditional rule that names no target with the path of the node', () => {
    expect(
      () =>
        new RouteResolver(
          {
            bad: {
              strategy: 'conditional',
              rules: [{ when: { stream: true }, target: 3 }],
              default: 0,
              targets: [{ provider: 'openai', model: 'gpt-4o' }],
            },
          },
          new ModelCatalog(configSchema.parse({ providers }).providers),
          { random: Math.random },
        ),
    ).toThrow(new ConfigError('invalid config:\n  - routes.bad: rules[0].target names no target: 3'));
  });
});
