import { configSchema } from '@switchyard/shared';
import { compileModelPattern, isModelPattern, ModelCatalog } from './model-catalog';

function catalogOf(providers: Record<string, string[]>): ModelCatalog {
  const config = configSchema.parse({
    providers: Object.fromEntries(Object.entries(providers).map(([id, models]) => [id, { kind: 'openai', models }])),
  });
  return new ModelCatalog(config.providers);
}

describe('compileModelPattern', () => {
  it('matches a run of any characters where the pattern has `*`', () => {
    const pattern = compileModelPattern('claude-*');
    expect(pattern.test('claude-3-5-haiku-latest')).toBe(true);
    expect(pattern.test('claude-')).toBe(true);
    expect(pattern.test('xclaude-3')).toBe(false);
    expect(pattern.test('gpt-4o')).toBe(false);
  });

  it('takes every other character literally', () => {
    const pattern = compileModelPattern('gpt-4.1*');
    expect(pattern.test('gpt-4.1-mini')).toBe(true);
    expect(pattern.test('gpt-401')).toBe(false);
    expect(compileModelPattern('a+b(*)').test('a+b(x)')).toBe(true);
    expect(compileModelPattern('a+b(*)').test('aab(x)')).toBe(false);
  });

  it('lets `*` cross slashes and match in the middle', () => {
    expect(compileModelPattern('meta-llama/*').test('meta-llama/llama-3-8b')).toBe(true);
    expect(compileModelPattern('*/llama-*-8b').test('meta/llama-3-8b')).toBe(true);
    expect(compileModelPattern('*/llama-*-8b').test('meta/llama-3-70b')).toBe(false);
  });

  it('tells patterns from model names', () => {
    expect(isModelPattern('claude-*')).toBe(true);
    expect(isModelPattern('*')).toBe(true);
    expect(isModelPattern('gpt-4o')).toBe(false);
  });
});

describe('ModelCatalog.findByModel', () => {
  const catalog = catalogOf({
    anything: ['*'],
    family: ['claude-*', 'gpt-4o-*'],
    listed: ['gpt-4o-mini', 'claude-opus-4-1'],
    later: ['gpt-4o-mini', '*'],
  });

  it('prefers a provider that lists the model over earlier providers with patterns', () => {
    expect(catalog.findByModel('gpt-4o-mini')).toEqual({ id: 'listed/gpt-4o-mini', providerId: 'listed', model: 'gpt-4o-mini' });
    expect(catalog.findByModel('claude-opus-4-1')?.providerId).toBe('listed');
  });

  it('prefers a matching pattern over an earlier `*`', () => {
    expect(catalog.findByModel('claude-sonnet-4-5')).toEqual({
      id: 'family/claude-sonnet-4-5',
      providerId: 'family',
      model: 'claude-sonnet-4-5',
    });
  });

  it('falls back to the first provider with `*`', () => {
    expect(catalog.findByModel('mistral-large')).toEqual({ id: 'anything/mistral-large', providerId: 'anything', model: 'mistral-large' });
  });

  it('finds nothing without a match, and nothing for an empty name', () => {
    const narrow = catalogOf({ openai: ['gpt-4o'], anthropic: ['claude-*'] });
    expect(narrow.findByModel('mistral-large')).toBeUndefined();
    expect(catalog.findByModel('')).toBeUndefined();
  });

  it('hands out one frozen deployment for a listed model', () => {
    const first = catalog.findByModel('gpt-4o-mini');
    expect(catalog.findByModel('gpt-4o-mini')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('ModelCatalog.find', () => {
  const catalog = catalogOf({ openai: ['gpt-4o', 'o3-*'], openrouter: ['meta-llama/*'], local: ['*'] });

  it('finds a model the provider lists or matches', () => {
    expect(catalog.find('openai', 'gpt-4o')).toBe(catalog.findById('openai/gpt-4o'));
    expect(catalog.find('openai', 'o3-mini')).toEqual({ id: 'openai/o3-mini', providerId: 'openai', model: 'o3-mini' });
    expect(catalog.find('openrouter', 'meta-llama/llama-3-8b')?.id).toBe('openrouter/meta-llama/llama-3-8b');
    expect(catalog.find('local', 'anything/at/all')?.model).toBe('anything/at/all');
  });

  it('finds nothing the provider does not serve, nor at an unknown provider', () => {
    expect(catalog.find('openai', 'claude-opus-4-1')).toBeUndefined();
    expect(catalog.find('openrouter', 'mistral/7b')).toBeUndefined();
    expect(catalog.find('missing', 'gpt-4o')).toBeUndefined();
    expect(catalog.find('local', '')).toBeUndefined();
  });

  it('knows its providers', () => {
    expect(catalog.hasProvider('openrouter')).toBe(true);
    expect(catalog.hasProvider('anthropic')).toBe(false);
    expect(catalog.isEmpty).toBe(false);
    expect(catalogOf({}).isEmpty).toBe(true);
  });
});

describe('ModelCatalog.entries', () => {
  it('lists concrete models by plain name (first provider wins), then as provider/model', () => {
    const catalog = catalogOf({ openai: ['gpt-4o', 'o3', '*'], azure: ['gpt-4o', 'gpt-4o', 'gpt-*'], anthropic: ['claude-*'] });
    expect(catalog.entries).toEqual([
      { id: 'gpt-4o', ownedBy: 'openai' },
      { id: 'o3', ownedBy: 'openai' },
      { id: 'openai/gpt-4o', ownedBy: 'openai' },
      { id: 'openai/o3', ownedBy: 'openai' },
      { id: 'azure/gpt-4o', ownedBy: 'azure' },
    ]);
  });
});
