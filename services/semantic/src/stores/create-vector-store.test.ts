import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '@switchyard/shared';
import { createVectorStore, embeddedStoreDirectory } from './create-vector-store';
import { HnswVectorStore } from './hnsw/hnsw-vector-store';
import { record } from './__fixtures__/vector-store-contract';

describe('createVectorStore', () => {
  it.each([
    [{}, path.join('.switchyard/data', 'vectors')],
    [{ observability: { dataDirectory: '/var/lib/switchyard' } }, path.join('/var/lib/switchyard', 'vectors')],
    [{ observability: { dataDirectory: 'memory://' } }, undefined],
    [{ observability: { dataDirectory: 'memory://' }, vectorStore: { path: '/srv/vectors' } }, '/srv/vectors'],
    [{ vectorStore: { path: 'memory://' } }, undefined],
  ])('keeps the embedded store of %j in %s', (raw, expected) => {
    expect(embeddedStoreDirectory(configSchema.parse(raw))).toBe(expected);
  });

  it('builds the embedded store on the configured folder', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-vectors-'));
    const store = createVectorStore(configSchema.parse({ vectorStore: { path: directory, hnsw: { efSearch: 32 } } }));
    try {
      expect(store).toBeInstanceOf(HnswVectorStore);
      await store.upsert('ns', [record('a', 1)]);
      expect(readdirSync(directory)).toEqual([expect.stringMatching(/^ns-.+\.log$/)]);
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
