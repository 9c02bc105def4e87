import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalize } from '@switchyard/shared';
import { HnswVectorStore } from './hnsw-vector-store';
import { seededRandom } from './hnsw-graph';
import { namespaceFiles } from './hnsw-files';
import { CONTRACT_DIMENSIONS, describeVectorStoreContract, record, vectorOf } from '../__fixtures__/vector-store-contract';

const DIMENSIONS = CONTRACT_DIMENSIONS;

// The contract on disk, by both search paths: the exact scan of small namespaces and the graph.
const contractDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-hnsw-contract-'));
afterAll(() => rmSync(contractDirectory, { recursive: true, force: true }));
describeVectorStoreContract('HnswVectorStore (exact scan)', () => new HnswVectorStore({ directory: contractDirectory }));
describeVectorStoreContract('HnswVectorStore (graph)', () => new HnswVectorStore({ directory: contractDirectory, exactSearchBelow: 0 }));

describe('HnswVectorStore', () => {
  let directory: string;
  const stores: HnswVectorStore[] = [];
  const open = (options: ConstructorParameters<typeof HnswVectorStore>[0] = {}) => {
    const store = new HnswVectorStore({ random: seededRandom(5), ...options });
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-hnsw-'));
  });

  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((store) => store.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  it('filters on the graph walk when many records pass, and by scanning the few that pass otherwise', async () => {
    const store = open({ exactSearchBelow: 8, efSearch: 4, m: 4 });
    const records = Array.from({ length: 60 }, (_, index) => record(`r${index}`, 500 + index, { tier: index < 50 ? 'free' : 'paid', index }));
    await store.upsert('ns', records);
    // 50 pass `tier: free`: more than √(efSearch × 2m × 60) ≈ 44, so the graph is walked with the filter.
    const free = await store.query('ns', vectorOf(555), { k: 5, where: { tier: 'free' } });
    expect(free).toHaveLength(5);
    expect(free.every((match) => match.payload.tier === 'free')).toBe(true);
    // 10 pass `tier: paid`: scanned exactly, so the record itself comes first.
    const paid = await store.query('ns', vectorOf(555), { k: 20, where: { tier: 'paid' } });
    expect(paid.map((match) => match.id).sort()).toEqual(
      records
        .slice(50)
        .map((entry) => entry.id)
        .sort(),
    );
    expect(paid[0]).toEqual({ id: 'r55', score: expect.closeTo(1, 5), payload: { tier: 'paid', index: 55 } });
    expect(await store.query('ns', vectorOf(555), { k: 5, where: { tier: 'paid', index: 3 } })).toEqual([]);
    // Postings follow replacements and deletions.
    await store.upsert('ns', [record('r55', 555, { tier: 'free', index: 55 })]);
    await store.delete('ns', ['r56']);
    expect((await store.query('ns', vectorOf(555), { k: 20, where: { tier: 'paid' } })).map((match) => match.id).sort()).toEqual([
      'r50',
      'r51',
      'r52',
      'r53',
      'r54',
      'r57',
      'r58',
      'r59',
    ]);
  });

  it('refuses a vector of another length than the namespace holds, and changes nothing', async () => {
    const store = open({ directory });
    await store.upsert('ns', [record('a', 1)]);
    await expect(store.upsert('ns', [record('b', 2), { id: 'c', vector: new Float32Array(8), payload: {} }])).rejects.toMatchObject({
      status: 500,
      code: 'vector_dimensions_mismatch',
      message: 'the vector store namespace "ns" holds vectors of 16 dimensions, not 8',
    });
    await expect(store.query('ns', new Float32Array(4), { k: 1 })).rejects.toMatchObject({ code: 'vector_dimensions_mismatch' });
    expect(await store.count('ns')).toBe(1);
    await store.close();
    expect(await open({ directory }).count('ns')).toBe(1);
  });

  it('keeps many records through a snapshot and its log, and rebuilds a worn graph', async () => {
    // A tiny log limit: snapshots are written along the way, the rest stays in the log.
    const store = open({ directory, exactSearchBelow: 0, snapshotAfterLogBytes: 20_000 });
    for (let batch = 0; batch < 10; batch++) {
      await store.upsert(
        'ns',
        Array.from({ length: 30 }, (_, index) => record(`r${batch * 30 + index}`, 1_000 + batch * 30 + index, { batch })),
      );
    }
    await store.delete(
      'ns',
      Array.from({ length: 150 }, (_, index) => `r${index}`),
    );
    const files = namespaceFiles(directory, 'ns');
    expect((await fs.stat(files.snapshot)).size).toBeGreaterThan(0);
    const expected = await store.query('ns', vectorOf(1_200), { k: 3 });
    expect(expected[0].id).toBe('r200');
    await store.close();

    const reopened = open({ directory, exactSearchBelow: 0 });
    expect(await reopened.count('ns')).toBe(150);
    expect(await reopened.query('ns', vectorOf(1_200), { k: 3 })).toEqual(expected);
    expect((await reopened.query('ns', vectorOf(1_200), { k: 1, where: { batch: 6 } }))[0].id).toBe('r200');
    expect(await reopened.query('ns', vectorOf(1_200), { k: 1, where: { batch: 0 } })).toEqual([]);
    expect(await reopened.query('ns', vectorOf(1_010), { k: 1, minScore: 0.99 })).toEqual([]);
  });

  it('drops a last log line cut short by a crash, and appends after it', async () => {
    const store = open({ directory });
    await store.upsert('ns', [record('a', 1)]);
    await store.close();
    const files = namespaceFiles(directory, 'ns');
    // close() folded the log into the snapshot; a crash mid-append leaves half a line behind.
    await fs.appendFile(files.log, '{"upsert":[{"id":"half","payl');
    const reopened = open({ directory });
    expect(await reopened.count('ns')).toBe(1);
    await reopened.upsert('ns', [record('b', 2)]);
    const again = open({ directory });
    expect((await again.query('ns', vectorOf(2), { k: 5 })).map((match) => match.id)).toEqual(['b', 'a']);
  });

  it('refuses to open a log damaged before its last line', async () => {
    const files = namespaceFiles(directory, 'ns');
    await fs.mkdir(directory, { recursive: true });
    await fs.writeFile(files.log, '{"delete":["a"]}\nnot json\n{"delete":["b"]}\n');
    await expect(open({ directory }).count('ns')).rejects.toThrow(`${files.log} is damaged: line 2 does not parse`);
  });

  it('works in memory alone (memory://), leaving no files', async () => {
    const store = open();
    await store.upsert('ns', [record('a', 1)]);
    expect(await store.count('ns')).toBe(1);
    await store.close();
    await expect(store.query('ns', vectorOf(1), { k: 1 })).rejects.toMatchObject({ code: 'vector_store_closed' });
    expect(await fs.readdir(directory)).toEqual([]);
  });

  describe('a process killed while writing', () => {
    let child: ChildProcess | undefined;

    afterEach(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      child = undefined;
    });

    it('loses nothing it acknowledged: every awaited upsert is there on reopening', async () => {
      // The built store (jest's globalSetup builds the tree) in a process of its own, killed with SIGKILL
      // while it writes: no close(), no snapshot at exit.
      const built = path.resolve(__dirname, '../../../dist/stores/hnsw/hnsw-vector-store.js');
      const script = `
        const { HnswVectorStore } = require(${JSON.stringify(built)});
        const store = new HnswVectorStore({ directory: process.argv[1], snapshotAfterLogBytes: 50000 });
        (async () => {
          for (let batch = 0; ; batch++) {
            const records = [];
            for (let index = 0; index < 20; index++) {
              const vector = new Float32Array(${DIMENSIONS});
              for (let at = 0; at < vector.length; at++) vector[at] = Math.sin(batch * 131 + index * 17 + at);
              records.push({ id: 'r' + (batch * 20 + index), vector, payload: { batch } });
            }
            await store.upsert('ws:cache:', records);
            process.stdout.write('acknowledged ' + (batch + 1) * 20 + '\\n');
          }
        })();`;
      const started = spawn(process.execPath, ['-e', script, directory], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      let stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const acknowledged = await new Promise<number>((resolve, reject) => {
        let buffer = '';
        started.stdout?.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const counts = [...buffer.matchAll(/acknowledged (\d+)\n/g)].map((match) => Number(match[1]));
          // Past a few snapshots (50 kB of log each), kill it wherever it is.
          if (counts.length > 0 && counts[counts.length - 1] >= 400) {
            started.kill('SIGKILL');
            resolve(counts[counts.length - 1]);
          }
        });
        started.once('exit', (code, signal) => {
          if (signal !== 'SIGKILL') reject(new Error(`the writer exited (${code}) before it was killed: ${stderr}`));
        });
      });
      await new Promise((resolve) => (started.exitCode !== null || started.signalCode !== null ? resolve(undefined) : started.once('exit', resolve)));

      const reopened = open({ directory });
      const count = await reopened.count('ws:cache:');
      expect(count).toBeGreaterThanOrEqual(acknowledged);
      expect(count % 20).toBe(0);
      // The last acknowledged record is found by its own vector.
      const last = acknowledged / 20 - 1;
      const vector = normalize(Float32Array.from({ length: DIMENSIONS }, (_, at) => Math.sin(last * 131 + 19 * 17 + at)));
      expect(await reopened.query('ws:cache:', vector, { k: 1 })).toEqual([
        { id: `r${acknowledged - 1}`, score: expect.closeTo(1, 5), payload: { batch: last } },
      ]);
    });
  });
});
