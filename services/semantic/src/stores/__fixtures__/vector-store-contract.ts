import { normalize, vectorNamespace, type VectorRecord, type VectorStore } from '@switchyard/shared';
import { seededRandom } from '../hnsw/hnsw-graph';

/**
 * What every VectorStore does, run against each store (the embedded one and
 * Weaviate), so the in-process stand-in and the server behave alike.
 * `createStore` is called once per test; the suite closes what it creates.
 */

export const CONTRACT_DIMENSIONS = 16;

export function vectorOf(seed: number): Float32Array {
  const random = seededRandom(seed);
  return normalize(Float32Array.from({ length: CONTRACT_DIMENSIONS }, () => random() - 0.5));
}

export function record(id: string, seed: number, payload: VectorRecord['payload'] = {}): VectorRecord {
  return { id, vector: vectorOf(seed), payload };
}

export function describeVectorStoreContract(title: string, createStore: () => Promise<VectorStore> | VectorStore): void {
  describe(`${title}: the VectorStore contract`, () => {
    const stores: VectorStore[] = [];
    // Namespaces of this test only, so neither other tests nor a shared server's earlier runs leak in.
    const run = `${title}-${process.pid}-${Date.now()}`;
    let testNumber = 0;
    const namespace = (workspace: string, kind = 'cache') => vectorNamespace(`${run}-${testNumber}-${workspace}`, kind);

    beforeEach(() => {
      testNumber++;
    });
    const open = async () => {
      const store = await createStore();
      stores.push(store);
      return store;
    };

    afterEach(async () => {
      await Promise.allSettled(stores.splice(0).map((store) => store.close()));
    });

    it('returns the nearest first with cosine scores, bounded by k and minScore', async () => {
      const store = await open();
      const ns = namespace('ws1');
      await store.upsert(ns, [record('a', 1, { model: 'gpt-4o' }), record('b', 2), record('c', 3)]);
      const [best, ...rest] = await store.query(ns, vectorOf(2), { k: 2 });
      expect(best).toEqual({ id: 'b', score: expect.closeTo(1, 4), payload: {} });
      expect(rest).toHaveLength(1);
      expect(rest[0].score).toBeLessThan(best.score);
      expect(await store.query(ns, vectorOf(1), { k: 3, minScore: 0.999 })).toEqual([
        { id: 'a', score: expect.closeTo(1, 4), payload: { model: 'gpt-4o' } },
      ]);
      expect(await store.query(ns, vectorOf(1), { k: 0 })).toEqual([]);
    });

    it('filters by every value of where, the type included', async () => {
      const store = await open();
      const ns = namespace('ws1');
      const records = Array.from({ length: 40 }, (_, index) =>
        record(`r${index}`, 100 + index, { model: index % 2 === 0 ? 'gpt-4o' : 'claude', temperature: index % 4 === 0 ? 0 : 1, tools: false }),
      );
      await store.upsert(ns, records);
      const matches = await store.query(ns, vectorOf(101), { k: 50, where: { model: 'gpt-4o', temperature: 0 } });
      expect(matches.map((match) => match.id).sort()).toEqual(
        records
          .filter((_, index) => index % 4 === 0)
          .map((entry) => entry.id)
          .sort(),
      );
      expect(matches[0].payload).toEqual({ model: 'gpt-4o', temperature: 0, tools: false });
      expect(await store.query(ns, vectorOf(101), { k: 5, where: { temperature: '0' } })).toEqual([]);
      expect(await store.query(ns, vectorOf(101), { k: 5, where: { tools: false, model: 'claude' } })).toHaveLength(5);
    });

    it('keeps namespaces apart, and answers nothing for one never written', async () => {
      const store = await open();
      await store.upsert(namespace('ws1'), [record('x', 1, { owner: 'ws1' })]);
      await store.upsert(namespace('ws2'), [record('x', 1, { owner: 'ws2' })]);
      expect(await store.query(namespace('ws1'), vectorOf(1), { k: 5 })).toEqual([
        { id: 'x', score: expect.closeTo(1, 4), payload: { owner: 'ws1' } },
      ]);
      expect(await store.query(namespace('ws2'), vectorOf(1), { k: 5 })).toEqual([
        { id: 'x', score: expect.closeTo(1, 4), payload: { owner: 'ws2' } },
      ]);
      expect(await store.query(namespace('ws3'), vectorOf(1), { k: 5 })).toEqual([]);
    });

    it('replaces a record upserted again under its id, deletes and drops', async () => {
      const store = await open();
      const ns = namespace('ws1');
      await store.upsert(ns, [record('a', 1, { version: 1 }), record('b', 2)]);
      await store.upsert(ns, [record('a', 3, { version: 2 })]);
      expect(await store.query(ns, vectorOf(3), { k: 5 })).toEqual([
        { id: 'a', score: expect.closeTo(1, 4), payload: { version: 2 } },
        { id: 'b', score: expect.any(Number), payload: {} },
      ]);
      await store.delete(ns, ['b', 'never-there']);
      expect((await store.query(ns, vectorOf(2), { k: 5 })).map((match) => match.id)).toEqual(['a']);
      await store.delete(namespace('never-written'), ['a']);
      await store.drop(ns);
      expect(await store.query(ns, vectorOf(3), { k: 5 })).toEqual([]);
      await expect(store.drop(namespace('never-written'))).resolves.toBeUndefined();
      // A dropped namespace can be written again.
      await store.upsert(ns, [record('c', 4)]);
      expect((await store.query(ns, vectorOf(4), { k: 5 })).map((match) => match.id)).toEqual(['c']);
    });

    it('keeps what was written for the next store opened on the same data', async () => {
      const ns = namespace('ws1', 'memory');
      const first = await open();
      await first.upsert(ns, [record('kept', 7, { turn: 3 })]);
      await first.close();
      const second = await open();
      expect(await second.query(ns, vectorOf(7), { k: 1 })).toEqual([{ id: 'kept', score: expect.closeTo(1, 4), payload: { turn: 3 } }]);
    });
  });
}
