import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-embedder-config-')), 'switchyard.yaml');
  writeFileSync(path, text);
  return path;
}

function rejection(text: string): string {
  try {
    loadConfig(configFile(text), {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('the embedder config section', () => {
  it('defaults to the offline embedder with one thread, batches of 64, an LRU of 10 000 and int8 weights', () => {
    const { config } = loadConfig(undefined, {});
    expect(config.embedder).toEqual({ kind: 'offline', threads: 1, maxBatch: 64, maxTokens: 256, cacheSize: 10_000, precision: 'int8' });
  });

  it('reads a provider embedder, which must name its model and dimensions', () => {
    const { config } = loadConfig(configFile('embedder:\n  kind: provider\n  model: text-embedding-3-small\n  dimensions: 1536\n'), {});
    expect(config.embedder).toMatchObject({ kind: 'provider', model: 'text-embedding-3-small', dimensions: 1536, requestDimensions: false });
    expect(rejection('embedder:\n  kind: provider\n  model: text-embedding-3-small\n')).toMatch(/embedder\.dimensions/);
  });

  it('reads a download embedder with the hub, revision and cache folder defaulted', () => {
    const { config } = loadConfig(
      configFile('embedder:\n  kind: download\n  model: BAAI/bge-small-en-v1.5\n  dimensions: 384\n  token: ${HF_TOKEN}\n'),
      {},
    );
    expect(config.embedder).toMatchObject({
      kind: 'download',
      model: 'BAAI/bge-small-en-v1.5',
      revision: 'main',
      hubUrl: 'https://huggingface.co',
      cacheDirectory: '.switchyard/models',
      token: '${HF_TOKEN}',
    });
  });

  it('takes the download cache folder from SWITCHYARD_MODEL_CACHE_DIR', () => {
    const file = configFile('embedder:\n  kind: download\n  model: BAAI/bge-small-en-v1.5\n  dimensions: 384\n');
    expect(loadConfig(file, { SWITCHYARD_MODEL_CACHE_DIR: '/models' }).config.embedder).toMatchObject({ cacheDirectory: '/models' });
    // The offline embedder keeps no files: the variable leaves it alone.
    expect(loadConfig(undefined, { SWITCHYARD_MODEL_CACHE_DIR: '/models' }).config.embedder).not.toHaveProperty('cacheDirectory');
  });

  it('rejects a literal token, a malformed model id, an unknown kind and unknown fields, naming the path', () => {
    expect(rejection('embedder:\n  kind: download\n  model: BAAI/bge-small-en-v1.5\n  dimensions: 384\n  token: hf_literal\n')).toMatch(
      /embedder\.token.*reference/,
    );
    expect(rejection('embedder:\n  kind: download\n  model: ../../etc\n  dimensions: 384\n')).toMatch(/embedder\.model/);
    expect(rejection('embedder:\n  kind: gpu\n')).toMatch(/embedder\.kind/);
    expect(rejection('embedder:\n  kind: offline\n  model: other\n')).toMatch(/embedder/);
  });
});
