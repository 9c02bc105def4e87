import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { catalogData } from './catalog-data';
import { catalogProviderId, ModelCatalogData } from './catalog-lookup';
import type { CatalogData } from './catalog-types';

const catalog = new ModelCatalogData();

describe('catalogProviderId', () => {
  it('names a preset by its id, a native kind by its kind, and Vertex by Gemini', () => {
    expect(catalogProviderId({ kind: 'openai', preset: 'groq' })).toBe('groq');
    expect(catalogProviderId({ kind: 'openai' })).toBe('openai');
    expect(catalogProviderId({ kind: 'bedrock' })).toBe('bedrock');
    expect(catalogProviderId({ kind: 'vertex' })).toBe('gemini');
  });
});

describe('the generated catalog', () => {
  it('records the files it was generated from, with their hashes and dates', () => {
    expect(catalog.sources.map((source) => source.path)).toEqual([
      '../shared/fixtures/pricing/pydantic-genai-prices/prices/data.json',
      '../shared/fixtures/pricing/RoCry-llm-api-price/model_prices_and_context_window.json',
    ]);
    for (const source of catalog.sources) {
      expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(source.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('is what the generator writes from the pricing fixtures today (re-running it changes nothing)', () => {
    const root = path.resolve(__dirname, '../../../..');
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/generate-catalog.mjs'), '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('holds the native kinds and the OpenAI-compatible presets Switchyard serves', () => {
    for (const id of [
      'openai',
      'anthropic',
      'azure',
      'bedrock',
      'gemini',
      'cohere',
      'mistral',
      'groq',
      'deepseek',
      'xai',
      'together',
      'fireworks',
      'openrouter',
      'perplexity',
      'cerebras',
    ]) {
      expect(catalogData.providers[id]).toBeDefined();
    }
  });
});

describe('ModelCatalogData.priceOf', () => {
  it('prices a model by the first rule that accepts its name, snapshots included', () => {
    expect(catalog.priceOf('anthropic', 'claude-3-5-haiku-20241022')).toEqual({ input: 0.8, output: 4, cachedInput: 0.08, cacheWrite: 1 });
    expect(catalog.priceOf('openai', 'gpt-4o-mini-2024-07-18')).toMatchObject({ input: 0.15, output: 0.6 });
  });

  it('keeps long-context tiers', () => {
    expect(catalog.priceOf('gemini', 'gemini-2.5-pro')).toMatchObject({ input: 1.25, tiers: [{ inputTokensAbove: 200_000, input: 2.5 }] });
  });

  it('takes the last dated price in force at the given time', () => {
    expect(catalog.priceOf('openai', 'o3', new Date('2025-06-09T23:59:59Z'))).toMatchObject({ input: 10, output: 40 });
    expect(catalog.priceOf('openai', 'o3', new Date('2025-06-10T00:00:00Z'))).toMatchObject({ input: 2, output: 8 });
  });

  it("falls back to the providers genai-prices names (Azure serves OpenAI's models)", () => {
    expect(catalog.priceOf('azure', 'gpt-4o-mini')).toEqual(catalog.priceOf('openai', 'gpt-4o-mini'));
  });

  it('uses an exact model price when no rule matches, and nothing for an unknown provider or model', () => {
    const data: CatalogData = {
      sources: [],
      providers: { local: { prices: [], models: { 'llama-3': { mode: 'chat', price: { input: 0.1, output: 0.2 } } } } },
    };
    const local = new ModelCatalogData(data);
    expect(local.priceOf('local', 'llama-3')).toEqual({ input: 0.1, output: 0.2 });
    expect(local.priceOf('local', 'llama-4')).toBeUndefined();
    expect(local.priceOf('nobody', 'llama-3')).toBeUndefined();
    // Names of the table, not of the prototype, are models.
    expect(local.priceOf('local', 'toString')).toBeUndefined();
  });
});

describe('ModelCatalogData.modelInfo', () => {
  it('gives the context window, output limit and capabilities of a known model', () => {
    expect(catalog.modelInfo('openai', 'gpt-4o')).toEqual({
      mode: 'chat',
      contextWindow: 128_000,
      maxOutputTokens: 16_384,
      tools: true,
      vision: true,
      jsonSchema: true,
    });
  });

  it('finds a snapshot through the family its price rule names', () => {
    expect(catalog.modelInfo('anthropic', 'claude-3-5-haiku-99999999')?.contextWindow).toBe(200_000);
  });

  it('tells an embedding model from a chat model', () => {
    expect(catalog.modelInfo('openai', 'text-embedding-3-small')?.mode).toBe('embedding');
  });

  it('knows nothing of an unknown model', () => {
    expect(catalog.modelInfo('openai', 'no-such-model')).toBeUndefined();
  });
});
